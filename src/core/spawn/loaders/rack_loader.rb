# frozen_string_literal: true

# Ferry's Rack loader: runs one Rack app (Rack 2 or 3, from a rackup file such as config.ru) in this process and
# serves it over HTTP/1.1 with keep-alive on the Unix socket the core chose ($FERRY_SOCKET_PATH). Standard library
# plus the rack gem; with $BUNDLE_GEMFILE set (a Gemfile in the app root), it runs as under `bundle exec`.
#
# Protocol with the core (the channel Node apps use: Node's IPC channel, fd $NODE_CHANNEL_FD, one JSON message per
# line): "ferry:ready" once the socket accepts; "ferry:oob-work" asks for out-of-band work between requests
# (answered "ferry:oob-done"); the channel closing, or SIGTERM, means: finish the request in hand and exit.
#
# One request at a time, as under Passenger: the core sends this process no more than --concurrency (1) at once.
# An IO.select loop waits on the listening socket, the idle keep-alive connections, the channel and a signal pipe.
require 'bundler/setup' if ENV['BUNDLE_GEMFILE']
require 'json'
require 'socket'
require 'stringio'
require 'tempfile'
begin
  require 'rack'
rescue LoadError
  abort "Ferry: the rack gem is needed to run Ruby apps: install it (gem install rack, or apt-get install ruby-rack)#{
    ENV['BUNDLE_GEMFILE'] ? ', and list it in the Gemfile' : ''}"
end

module FerryRack
  READ_SIZE = 65_536
  MAX_HEAD_BYTES = 65_536
  # Unread request body the loader reads and drops to keep a connection; past this it closes the connection instead.
  MAX_DRAIN_BYTES = 1 << 20
  # Request bodies up to this size are kept in memory for rewinding; larger ones go to a temporary file.
  MEMORY_REWIND_BYTES = 1 << 20
  # Every piece of a body is a new String; Ruby's GC, paced by malloc growth, would let tens of MB of them pile up
  # during a large upload or download. A minor collection every this many bytes keeps the process small.
  COLLECT_EVERY_BYTES = 8 << 20
  NO_BODY_STATUSES = [204, 304].freeze
  HOP_BY_HOP = %w[connection keep-alive transfer-encoding].freeze
  # What a response head may hold (RFC 9110 token names; values without control characters but tab): an app that
  # puts a CR there (a redirect to a reflected URL) would otherwise add headers of the client's choice (Set-Cookie).
  # Refused with a 500, as gunicorn does (Puma drops the header).
  HEADER_NAME = /\A[!#$%&'*+.^_`|~0-9A-Za-z-]+\z/.freeze
  BAD_HEADER_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/.freeze
  STATUS_TEXT = Rack::Utils::HTTP_STATUS_CODES

  # CONTENT_TYPE and CONTENT_LENGTH: a repeated one replaces the first, as before (not joined like HTTP_* ones).
  SINGLE_KEYS = %w[CONTENT_TYPE CONTENT_LENGTH].freeze
  ENV_KEYS = {} # header name as sent => env key (nil: dropped); bounded, see env_key
  ENV_KEYS_MAX = 512

  class ClientGone < StandardError; end

  STATUS_LINES = {} # status => its frozen status line

  def self.status_line(status)
    STATUS_LINES[status] ||= "HTTP/1.1 #{status} #{STATUS_TEXT[status] || 'Unknown'}\r\n".freeze
  end

  # The env key of a header name (nil for a name to drop), cached: the same few names come with every request.
  def self.env_key(name)
    ENV_KEYS.fetch(name) do
      # Underscores would let a client pass for a header the proxy vouches for (X_Forwarded_For): dropped.
      key = name.include?('_') ? nil : name.strip.upcase.tr('-', '_')
      key = "HTTP_#{key}" unless key.nil? || SINGLE_KEYS.include?(key)
      ENV_KEYS[name.freeze] = key&.freeze if ENV_KEYS.size < ENV_KEYS_MAX
      key
    end
  end

  # Node's IPC channel, spoken directly: JSON messages, one per line.
  class Channel
    attr_reader :io

    def initialize(fd)
      @io = IO.for_fd(fd, autoclose: true)
      @io.sync = true
      @buffer = +''
      @open = true
    end

    def open?
      @open
    end

    def send_message(message)
      return unless @open

      @io.write(JSON.generate(message) + "\n")
    rescue SystemCallError, IOError
      @open = false
    end

    # The messages that arrived (non-blocking); the channel is closed when the core is gone.
    def receive
      data = @io.read_nonblock(READ_SIZE, exception: false)
      return [] if data == :wait_readable

      if data.nil?
        @open = false
        return []
      end
      @buffer << data
      *lines, rest = @buffer.split("\n", -1)
      @buffer = rest || +''
      lines.filter_map do |line|
        message = JSON.parse(line)
        message.is_a?(Hash) ? message : nil
      rescue JSON::ParserError
        nil
      end
    rescue SystemCallError, IOError
      @open = false
      []
    end
  end

  # One connection from the core, with what was read ahead of the current request.
  class Connection
    attr_reader :socket
    attr_accessor :buffer

    def initialize(socket)
      @socket = socket
      @buffer = String.new(encoding: Encoding::BINARY)
    end

    def recv(size = READ_SIZE)
      data = @socket.readpartial(size)
      raise ClientGone if data.nil?

      data
    rescue EOFError, SystemCallError, IOError
      raise ClientGone
    end

    # The request head (without its blank line), or nil when the peer closed between requests.
    def read_head
      loop do
        index = @buffer.index("\r\n\r\n")
        if index
          head = @buffer.byteslice(0, index)
          @buffer = @buffer.byteslice(index + 4, @buffer.bytesize)
          return head
        end
        raise ArgumentError, 'request head too large' if @buffer.bytesize > MAX_HEAD_BYTES

        begin
          @buffer << @socket.readpartial(READ_SIZE)
        rescue EOFError, SystemCallError, IOError
          raise ClientGone unless @buffer.empty?

          return nil
        end
      end
    end

    # The core closed the connection after what was read of it: seen as end-of-file past the request, so only when
    # nothing of its body is left unread (a peek cannot look beyond that).
    def closed_past?(body_unread)
      return false if body_unread || !@buffer.empty?

      @socket.recv_nonblock(1, Socket::MSG_PEEK, exception: false) == ''
    rescue SystemCallError, IOError
      true
    end

    def read_some(limit)
      # Nothing read ahead: straight from the socket, with no copy (a large upload is many of these).
      return recv([limit, READ_SIZE].min) if @buffer.empty?

      data = @buffer.byteslice(0, limit)
      @buffer = @buffer.byteslice(limit, @buffer.bytesize) || String.new(encoding: Encoding::BINARY)
      data
    end

    def read_line
      loop do
        index = @buffer.index("\n")
        if index
          line = @buffer.byteslice(0, index + 1)
          @buffer = @buffer.byteslice(index + 1, @buffer.bytesize)
          return line
        end
        raise ArgumentError, 'chunk line too long' if @buffer.bytesize > MAX_HEAD_BYTES

        @buffer << recv
      end
    end

    def data?
      return true unless @buffer.empty?

      data = @socket.read_nonblock(READ_SIZE, exception: false)
      return false if data == :wait_readable || data.nil?

      @buffer << data
      true
    rescue SystemCallError, IOError
      false
    end

    # Bytes of bodies moved; see COLLECT_EVERY_BYTES.
    def count(bytes)
      @moved = (@moved || 0) + bytes
      return if @moved < COLLECT_EVERY_BYTES

      @moved = 0
      GC.start(full_mark: false)
    end

    def write(*data)
      @socket.write(*data)
    rescue SystemCallError, IOError
      raise ClientGone
    end

    def close
      @socket.close unless @socket.closed?
    rescue SystemCallError, IOError
      nil
    end
  end

  # The request body as the socket delivers it (Content-Length or chunked), read only as the app asks for it.
  class BodyStream
    def initialize(conn, length, chunked, on_first_read)
      @conn = conn
      @remaining = length
      @chunked = chunked
      @done = !chunked && length.zero?
      @on_first_read = on_first_read
      @in_chunks = false
    end

    attr_reader :done

    # Up to limit bytes of body; nil at its end.
    def read_raw(limit)
      return nil if @done

      if @on_first_read
        @on_first_read.call
        @on_first_read = nil
      end
      if @chunked && @remaining.zero?
        next_chunk
        return nil if @done
      end
      data = @conn.read_some([limit, @remaining].min)
      @remaining -= data.bytesize
      @conn.count(data.bytesize)
      @done = true if @remaining.zero? && !@chunked
      data
    end

    private

    def next_chunk
      @conn.read_line if @in_chunks # the CRLF that ends the previous chunk's data
      @in_chunks = true
      size = Integer(@conn.read_line.split(';', 2).first.strip, 16)
      if size.zero?
        loop { break if ["\r\n", "\n"].include?(@conn.read_line) } # trailers
        @done = true
      end
      @remaining = size
    end
  end

  # rack.input: rewindable (Rack 2), yet streamed. What the app reads comes from the socket as it asks, and is kept
  # (in memory up to 1 MiB, then in an unlinked temporary file) only so that rewind works: never held whole in memory.
  class Input
    def initialize(stream)
      @stream = stream
      @store = nil # made on first use: most requests have no body
      @position = 0
      @size = 0
    end

    def read(length = nil, buffer = nil)
      return read_through(length, buffer) if !length.nil? && length.positive? && @position == @size

      fill(length.nil? ? nil : @position + length)
      data = length.nil? ? (store_io.read || String.new(encoding: Encoding::BINARY)) : store_io.read(length)
      @position = store_io.pos
      return data if buffer.nil?

      buffer.replace(data || '')
      data.nil? ? nil : buffer
    end

    def gets
      loop do
        store_io.seek(@position)
        line = store_io.gets
        after = store_io.pos
        next if !line&.end_with?("\n") && append_more

        @position = after
        return line
      end
    end

    def each
      while (line = gets)
        yield line
      end
    end

    def rewind
      store_io.rewind
      @position = 0
    end

    def close; end

    def drain
      left = MAX_DRAIN_BYTES
      while left.positive?
        data = @stream.read_raw([READ_SIZE, left].min)
        return true if data.nil?

        left -= data.bytesize
      end
      @stream.done
    end

    def release
      @store.close! if @store.respond_to?(:close!) # a spilled Tempfile
    end

    private

    # A read past everything stored (the common case: one pass over the body): the piece from the socket is
    # returned as is, and appended to the store only for a later rewind.
    def read_through(length, buffer)
      data = @stream.read_raw(length)
      return nil if data.nil?

      store(data)
      @position = @size
      return data if buffer.nil?

      buffer.replace(data)
    end

    def store(data)
      spill if !@store.is_a?(Tempfile) && @size + data.bytesize > MEMORY_REWIND_BYTES
      store_io.seek(0, IO::SEEK_END)
      store_io.write(data)
      @size += data.bytesize
    end

    # Reads from the socket until the store holds `upto` bytes (all of the body when nil).
    def fill(upto)
      store_io.seek(0, IO::SEEK_END)
      nil while (upto.nil? || store_io.pos < upto) && append_more
      store_io.seek(@position)
    end

    # Appends the next piece of the body to the store; false at the end of the body.
    def append_more
      store_io.seek(0, IO::SEEK_END)
      data = @stream.read_raw(READ_SIZE)
      return false if data.nil?

      store(data)
      true
    end

    def store_io
      @store ||= StringIO.new(String.new(encoding: Encoding::BINARY))
    end

    def spill
      file = Tempfile.new('ferry-body')
      file.binmode
      file.unlink
      file.write(store_io.string)
      @store = file
    end
  end

  # Writes response body pieces to the connection, chunked or not; also the stream a Rack 3 streaming body gets.
  class BodyWriter
    # Body bytes written; limit: the app's Content-Length, past which nothing is written (see Exchange#check_length).
    attr_reader :written

    def initialize(conn, chunked, limit = nil)
      @conn = conn
      @chunked = chunked
      @limit = limit
      @written = 0
      @finished = false
    end

    def write(data)
      data = data.to_s
      return 0 if data.empty? || @finished

      size = data.bytesize
      if @limit && @written + size > @limit
        data = data.byteslice(0, @limit - @written)
        @written = @limit + 1 # more than the limit was given: told by check_length
      else
        @written += size
      end
      @conn.write(@chunked ? "#{data.bytesize.to_s(16)}\r\n#{data}\r\n" : data) unless data.empty?
      @conn.count(data.bytesize)
      size
    end

    def <<(data)
      write(data)
      self
    end

    def flush
      self
    end

    def read(*)
      nil
    end

    def close_read; end

    def close_write
      finish
    end

    def close
      finish
    end

    def closed?
      @finished
    end

    def finish
      return if @finished

      @finished = true
      @conn.write("0\r\n\r\n") if @chunked
    end
  end

  # One request and its response on a connection.
  class Exchange
    def initialize(server, conn)
      @server = server
      @conn = conn
      @keep_alive = true
      @headers_sent = false
    end

    # Serves one request; true when the connection may serve another.
    def run
      head = @conn.read_head
      return false if head.nil?

      env, input = build_env(head)
      # The core gave up on this request before the app began it (its client left while it waited here, handed ahead
      # behind another): nobody would read the answer, and running it would hold the process from the next one.
      return false if @conn.closed_past?(@body_unread)

      begin
        respond(env)
        @keep_alive && input.drain
      ensure
        input.release
      end
    rescue ArgumentError
      @conn.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n") unless @headers_sent
      false
    rescue ClientGone
      false
    end

    private

    def build_env(head)
      head.force_encoding(Encoding::BINARY)
      line_end = head.index("\r\n") || head.bytesize
      method, target, protocol = head.byteslice(0, line_end).split(' ', 3)
      raise ArgumentError, 'bad request line' if protocol.nil?

      path, query = target.split('?', 2)
      script_name = @server.script_name
      if !script_name.empty? && (path == script_name || path.start_with?("#{script_name}/"))
        path = path.byteslice(script_name.bytesize, path.bytesize)
      else
        script_name = ''
      end
      env = {
        'REQUEST_METHOD' => method,
        'SCRIPT_NAME' => script_name,
        'PATH_INFO' => path,
        'QUERY_STRING' => query || '',
        'REQUEST_URI' => target,
        'SERVER_PROTOCOL' => protocol,
        'HTTP_VERSION' => protocol,
        'SERVER_NAME' => 'localhost',
        'SERVER_PORT' => '80',
        'REMOTE_ADDR' => '127.0.0.1',
        'rack.version' => Rack::VERSION,
        'rack.url_scheme' => 'http',
        'rack.errors' => $stderr,
        'rack.multithread' => false,
        'rack.multiprocess' => true,
        'rack.run_once' => false,
        'rack.hijack?' => false,
        'ferry.on_oob_work' => @server.oob_registrar
      }
      add_headers(env, head, line_end + 2)
      if (host = env['HTTP_HOST'])
        name, port = host.start_with?('[') ? host.split(/(?<=\]):/, 2) : host.split(':', 2)
        env['SERVER_NAME'] = name
        env['SERVER_PORT'] = port || (env['HTTP_X_FORWARDED_PROTO'] == 'https' ? '443' : '80')
      end
      # The core sets these (it replaces what a client it does not trust sent): the last hop is the client it saw.
      if (forwarded_for = env['HTTP_X_FORWARDED_FOR'])
        env['REMOTE_ADDR'] = forwarded_for.include?(',') ? forwarded_for.split(',').last.strip : forwarded_for
      end
      if env['HTTP_X_FORWARDED_PROTO'] == 'https'
        env['rack.url_scheme'] = 'https'
        env['HTTPS'] = 'on'
      end
      connection = env['HTTP_CONNECTION']
      @keep_alive = if protocol == 'HTTP/1.0'
                      !connection.nil? && connection.downcase.include?('keep-alive')
                    else
                      connection.nil? || !connection.downcase.include?('close')
                    end
      encoding = env['HTTP_TRANSFER_ENCODING']
      chunked = !encoding.nil? && encoding.downcase.include?('chunked')
      declared = env['CONTENT_LENGTH']
      length = chunked || declared.nil? || declared.empty? ? 0 : Integer(declared, 10)
      raise ArgumentError, 'negative Content-Length' if length.negative?

      expect = env['HTTP_EXPECT']
      continue = !expect.nil? && expect.casecmp?('100-continue') ? -> { send_continue } : nil
      input = Input.new(BodyStream.new(@conn, length, chunked, continue))
      env['rack.input'] = input
      @head_request = method == 'HEAD'
      @body_unread = chunked || length > @conn.buffer.bytesize
      [env, input]
    end

    # The header lines of head from byte offset `from`, into env (HTTP_*, CONTENT_TYPE, CONTENT_LENGTH). Byte offsets
    # instead of split arrays, and env keys from a cache: this runs for every header of every request.
    def add_headers(env, head, from)
      size = head.bytesize
      while from < size
        line_end = head.index("\r\n", from) || size
        colon = head.index(':', from)
        raise ArgumentError, 'bad header line' if colon.nil? || colon > line_end

        key = FerryRack.env_key(head.byteslice(from, colon - from))
        if key
          value = head.byteslice(colon + 1, line_end - colon - 1)
          value.strip!
          previous = env[key]
          env[key] = previous.nil? || SINGLE_KEYS.include?(key) ? value : "#{previous}, #{value}"
        end
        from = line_end + 2
      end
    end

    def send_continue
      @conn.write("HTTP/1.1 100 Continue\r\n\r\n") unless @headers_sent
    end

    def respond(env)
      status, headers, body = begin
        @server.app.call(env)
      rescue ClientGone
        raise
      rescue StandardError, ScriptError => e
        return fail_with(e)
      end
      begin
        send_response(status.to_i, headers, body)
      rescue ClientGone
        raise
      rescue StandardError => e
        fail_with(e)
      ensure
        body.close if body.respond_to?(:close)
      end
    end

    def send_response(status, headers, body)
      body_allowed = !NO_BODY_STATUSES.include?(status) && status >= 200
      head = String.new(FerryRack.status_line(status), capacity: 512)
      declared = false
      length = nil
      headers.each do |name, values|
        lower = name.to_s.downcase
        next if HOP_BY_HOP.include?(lower) || lower.start_with?('rack.')

        if lower == 'content-length'
          declared = true
          value = (values.is_a?(Array) ? values.first : values).to_s
          raise ArgumentError, "invalid content-length #{value.inspect}: digits only" unless value.match?(/\A\d+\z/)

          length = value.to_i
        end
        name = name.to_s
        raise ArgumentError, "invalid header name #{name.inspect}" unless HEADER_NAME.match?(name)

        if values.is_a?(Array)
          values.each { |v| append_header(head, name, v.to_s) }
        else
          values = values.to_s
          if values.include?("\n")
            values.split("\n").each { |v| append_header(head, name, v) }
          elsif !values.empty? # as split would: an empty value sends no line
            append_header(head, name, values)
          end
        end
      end
      # An Array body (Rack 3: to_ary, called once, consumes it): its pieces; one piece gets a Content-Length.
      parts = body.respond_to?(:to_ary) ? body.to_ary : nil
      single = parts && parts.length <= 1 ? (parts.first || '') : nil
      chunked = false
      if !declared && body_allowed
        if single
          head << 'Content-Length: ' << single.bytesize.to_s << "\r\n"
        else
          chunked = !@head_request
          head << "Transfer-Encoding: chunked\r\n" if chunked
        end
      end
      head << "Connection: close\r\n" unless @keep_alive
      head << "\r\n"
      @headers_sent = true
      if @head_request || !body_allowed
        @conn.write(head)
      elsif single
        # One writev for head and body, without copying the body into the head.
        @conn.write(head, length ? single.byteslice(0, length) : single)
        check_length(length, single.bytesize)
      else
        check_length(length, write_body(head, parts || body, chunked, length))
      end
    end

    def append_header(head, name, value)
      raise ArgumentError, "invalid value for header #{name}: #{value.inspect} (no CR, LF or other control characters)" if BAD_HEADER_VALUE.match?(value)

      head << name << ': ' << value << "\r\n"
    end

    # The core reads exactly the app's Content-Length: a longer body was cut to it (the rest would be read as the
    # next response), and after a shorter one the connection ends, else the core would wait for the rest and hold
    # the process from every other client. Either way the app is told in the log.
    def check_length(length, written)
      return if length.nil? || written == length

      $stderr.puts(written > length ? "Ferry: the app sent more body than its Content-Length (#{length} bytes); the rest is dropped" :
                   "Ferry: the app sent #{written} bytes of body but a Content-Length of #{length}; the response is cut off")
      @keep_alive = false
      raise ClientGone
    end

    def write_body(head, body, chunked, length = nil)
      @conn.write(head)
      writer = BodyWriter.new(@conn, chunked, length)
      # Rack 3 streaming bodies respond to call(stream) instead of each; the stream is write-only here.
      if !body.respond_to?(:each) && body.respond_to?(:call)
        body.call(writer)
      else
        body.each { |data| writer.write(data) }
      end
      writer.finish
      writer.written
    end

    # An exception in the app: logged; a 500 if nothing was sent yet, else the connection ends (truncated).
    def fail_with(error)
      $stderr.puts("#{error.class}: #{error.message}", *error.backtrace&.map { |line| "\tfrom #{line}" })
      raise ClientGone if @headers_sent

      body = "500 Internal Server Error\n"
      @headers_sent = true
      @conn.write("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: #{body.bytesize}\r\n" \
                  "#{@keep_alive ? '' : "Connection: close\r\n"}\r\n#{@head_request ? '' : body}")
    end
  end

  class Server
    attr_reader :app, :script_name, :oob_registrar

    def initialize(app, socket_path, channel, script_name)
      @app = app
      @oob_registrar = method(:register_oob_hook)
      @socket_path = socket_path
      @channel = channel
      @script_name = script_name
      @oob_hooks = []
      @stopping = false
      @idle = {}
    end

    def register_oob_hook(hook = nil, &block)
      hook ||= block
      @oob_hooks << hook unless @oob_hooks.include?(hook)
    end

    def serve
      wake_r, wake_w = IO.pipe
      %w[TERM INT].each do |name|
        Signal.trap(name) do
          @stopping = true
          wake_w.write_nonblock('.', exception: false)
        end
      end
      File.unlink(@socket_path) if File.exist?(@socket_path)
      listener = UNIXServer.new(@socket_path)
      @channel.send_message({ 'type' => 'ferry:ready', 'socketPath' => @socket_path })
      until @stopping
        readable, = IO.select([listener, @channel.io, wake_r, *@idle.keys])
        readable.each do |io|
          if io.equal?(listener)
            accept(listener)
          elsif io.equal?(@channel.io)
            on_channel
          elsif io.equal?(wake_r)
            wake_r.read_nonblock(512, exception: false)
          elsif (conn = @idle.delete(io))
            serve_connection(conn)
          end
        end
      end
      finish(listener)
    end

    private

    def accept(listener)
      socket = listener.accept_nonblock(exception: false)
      return if socket == :wait_readable

      @idle[socket] = Connection.new(socket)
    end

    def on_channel
      @channel.receive.each do |message|
        next unless message['type'] == 'ferry:oob-work'

        oob_work
        @channel.send_message({ 'type' => 'ferry:oob-done', 'id' => message['id'] })
      end
      @stopping = true unless @channel.open?
    end

    # The app's hooks (registered with env['ferry.on_oob_work']), or a full garbage collection.
    def oob_work
      return GC.start if @oob_hooks.empty?

      @oob_hooks.each do |hook|
        hook.call
      rescue StandardError => e
        $stderr.puts("#{e.class}: #{e.message} (in an out-of-band work hook)")
      end
    end

    # Serves the requests that arrived on this connection, then waits for more in the select loop.
    def serve_connection(conn)
      keep = true
      loop do
        keep = Exchange.new(self, conn).run
        break if !keep || conn.buffer.empty? || @stopping
      end
      if keep && !@stopping
        @idle[conn.socket] = conn
      else
        conn.close
      end
    end

    # Stops taking connections; answers requests that already arrived, then closes the idle connections.
    def finish(listener)
      listener.close
      File.unlink(@socket_path) if File.exist?(@socket_path)
      @idle.each_value do |conn|
        Exchange.new(self, conn).run if conn.data?
        conn.close
      end
      $stdout.flush
      $stderr.flush
    end
  end

  def self.load_app(path)
    result = Rack::Builder.parse_file(path)
    # Rack 2 answers [app, options]; Rack 3 the app alone.
    result.is_a?(Array) ? result.first : result
  end

  def self.main
    socket_path = ENV.delete('FERRY_SOCKET_PATH')
    channel_fd = Integer(ENV.delete('NODE_CHANNEL_FD'))
    ENV.delete('NODE_CHANNEL_SERIALIZATION_MODE')
    root = ENV['FERRY_APP_ROOT'] || Dir.pwd
    startup_file = ARGV.fetch(0)
    Process.setproctitle("Ferry RubyApp: #{root}")
    $stdout.sync = true
    $stderr.sync = true
    channel = Channel.new(channel_fd)
    # A load error (syntax error, exception) ends the process with its backtrace and exit code 1: the core reports a
    # spawn error with this output (in the error page in development).
    app = load_app(startup_file)
    base = ENV['FERRY_BASE_URI'].to_s
    Server.new(app, socket_path, channel, base == '/' ? '' : base.chomp('/')).serve
  end
end

FerryRack.main if $PROGRAM_NAME == __FILE__
