# The Rack loader's own CPU per request, without the core or the machine's noise in between: the loader's Exchange
# serves keep-alive requests (with the headers the core sends) over a socketpair from a forked client that sends the
# next one when the answer is in, as the core does at --concurrency 1. Prints the serving thread's CPU per request.
#
#   ruby bench/rack-loader-cpu.rb [LOADER] [lambda|sinatra] [REQUESTS]
#
# LOADER (default: this checkout's) may be another checkout's rack_loader.rb, to compare two versions alternately.
# "sinatra" needs ruby-sinatra (the languages bench's hello app); "lambda" measures the loader alone.
ENV['RACK_ENV'] = 'production'
here = File.expand_path('..', __dir__)
load(ARGV[0] || File.join(here, 'src/core/spawn/loaders/rack_loader.rb'))
kind = ARGV[1] || 'lambda'
requests = Integer(ARGV[2] || 20_000)
app = if kind == 'sinatra'
        result = Rack::Builder.parse_file(File.join(here, 'bench/apps/sinatra-hello/config.ru'))
        result.is_a?(Array) ? result.first : result
      else
        ->(_env) { [200, { 'content-type' => 'text/plain' }, ["Hello\n"]] }
      end
warm = 2000
ours, theirs = UNIXSocket.pair
request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: wrk\r\nX-Forwarded-For: 127.0.0.1\r\n" \
          "X-Forwarded-Proto: http\r\nX-Forwarded-Host: 127.0.0.1:3000\r\n\r\n"
client = fork do
  ours.close
  (requests + warm).times do
    theirs.write(request)
    theirs.readpartial(65_536)
  end
  exit!(0)
end
theirs.close
server = FerryRack::Server.new(app, '/nonexistent', nil, '')
conn = FerryRack::Connection.new(ours)
warm.times { FerryRack::Exchange.new(server, conn).run }
allocated = GC.stat(:total_allocated_objects)
started = Process.clock_gettime(Process::CLOCK_THREAD_CPUTIME_ID)
requests.times { FerryRack::Exchange.new(server, conn).run }
cpu = Process.clock_gettime(Process::CLOCK_THREAD_CPUTIME_ID) - started
per_request = (GC.stat(:total_allocated_objects) - allocated) / requests.to_f
puts format('%<kind>s: %<us>.1f us CPU, %<objects>.0f objects allocated per request (%<requests>d requests, %<ruby>s)',
            kind: kind, us: cpu / requests * 1e6, objects: per_request, requests: requests, ruby: RUBY_DESCRIPTION)
Process.wait(client)
