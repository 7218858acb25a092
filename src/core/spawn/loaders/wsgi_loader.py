# Ferry's WSGI loader: runs one Python WSGI app (PEP 3333) in this process and serves it over HTTP/1.1 with
# keep-alive on the Unix socket the core chose ($FERRY_SOCKET_PATH). Standard library only: it runs inside the
# user's interpreter or virtualenv, which may hold any packages (or none).
#
# Protocol with the core (the channel Node apps use: Node's IPC channel, fd $NODE_CHANNEL_FD, one JSON message per
# line): "ferry:ready" once the socket accepts; "ferry:oob-work" asks for out-of-band work between requests
# (answered "ferry:oob-done"); the channel closing, or SIGTERM, means: finish the request in hand and exit.
#
# One request at a time, as under Passenger: the core sends this process no more than --concurrency (1) at once.
# A select() loop waits on the listening socket, the idle keep-alive connections, the channel and a signal pipe.
import gc
import json
import os
import re
import select
import selectors
import signal
import socket
import sys
import traceback
from importlib import util as importlib_util
from urllib.parse import unquote_to_bytes

READ_SIZE = 65536
# The core closed its end (POLLRDHUP: even with unread bytes before the end, such as a request's body).
CLOSED_EVENTS = select.POLLHUP | select.POLLERR | getattr(select, 'POLLRDHUP', 0)
MAX_HEAD_BYTES = 65536
# Unread request body the loader reads and drops to keep a connection; past this it closes the connection instead.
MAX_DRAIN_BYTES = 1 << 20
NO_BODY_STATUSES = (204, 304)
HOP_BY_HOP = frozenset(('connection', 'keep-alive', 'transfer-encoding'))
# What a response head may hold (RFC 9110 token names; values without control characters but tab): an app that puts
# a CR or LF there, often from user input (a redirect to a reflected URL), would otherwise add headers of the
# client's choice to the response (Set-Cookie). Refused as gunicorn and Puma do.
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
BAD_HEADER_VALUE = re.compile(r'[\x00-\x08\x0a-\x1f\x7f]')
STATUS_LINE = re.compile(r'[1-9][0-9][0-9](?: [^\x00-\x08\x0a-\x1f\x7f]*)?\Z')


def main():
    socket_path = os.environ.pop('FERRY_SOCKET_PATH')
    channel_fd = int(os.environ.pop('NODE_CHANNEL_FD'))
    os.environ.pop('NODE_CHANNEL_SERIALIZATION_MODE', None)
    root = os.environ.get('FERRY_APP_ROOT', os.getcwd())
    startup_file = sys.argv[1]
    set_process_title('Ferry PythonApp: ' + root, b'Ferry PythonApp')
    channel = Channel(channel_fd)
    # A load error (syntax error, exception, no callable) is printed as a traceback and ends the process with 1:
    # the core reports a spawn error with this output (in the error page in development).
    app = load_app(root, startup_file)
    Server(app, socket_path, channel, base_uri(os.environ.get('FERRY_BASE_URI', ''))).serve()


def base_uri(uri):
    return '' if uri in ('', '/') else uri.rstrip('/')


def load_app(root, path):
    if root not in sys.path:
        sys.path.insert(0, root)
    sys.argv = [path]
    name = os.path.splitext(os.path.basename(path))[0].replace('-', '_').replace('.', '_')
    spec = importlib_util.spec_from_file_location(name, path)
    if spec is None:
        sys.exit('Ferry: %s is not a Python file' % path)
    module = importlib_util.module_from_spec(spec)
    # Registered before it runs, as an import would: frameworks (Flask) find their root through sys.modules.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    app = getattr(module, 'application', None) or getattr(module, 'app', None)
    if not callable(app):
        sys.exit('Ferry: %s defines no WSGI callable named "application" or "app"' % path)
    return app


def set_process_title(title, comm):
    """Overwrites this process's argv memory (what /proc/PID/cmdline and ps show) and its comm (15 bytes)."""
    try:
        import ctypes  # here: a Python built without it still serves, under its plain command line
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, ctypes.c_char_p(comm[:15]), 0, 0, 0)  # PR_SET_NAME
        with open('/proc/self/stat', 'rb') as f:
            stat = f.read()
        fields = stat[stat.rindex(b')') + 2:].split()
        # arg_start and arg_end are fields 48 and 49 (Linux 3.5+); fields[0] is field 3.
        arg_start, arg_end = int(fields[48 - 3]), int(fields[49 - 3])
        room = arg_end - arg_start
        data = title.encode('utf-8', 'replace')[:room - 1]
        # The last byte stays NUL: the kernel then reads exactly this area, not the environment beyond it.
        ctypes.memmove(arg_start, data + b'\0' * (room - len(data)), room)
    except (ImportError, OSError, ValueError, IndexError, AttributeError):
        pass  # not Linux, or /proc unreadable: the title stays the command line


class Channel:
    """Node's IPC channel, spoken directly: JSON messages, one per line."""

    def __init__(self, fd):
        self.sock = socket.socket(fileno=fd)
        self.sock.setblocking(False)
        self.buffer = b''
        self.open = True

    def send(self, message):
        if not self.open:
            return
        try:
            self.sock.setblocking(True)
            self.sock.sendall(json.dumps(message).encode() + b'\n')
            self.sock.setblocking(False)
        except OSError:
            self.open = False

    def receive(self):
        """The messages that arrived (non-blocking); the channel is closed when the core is gone."""
        try:
            data = self.sock.recv(READ_SIZE)
        except BlockingIOError:
            return []
        except OSError:
            data = b''
        if not data:
            self.open = False
            return []
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b'\n')
        messages = []
        for line in lines:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                messages.append(message)
        return messages


class Server:
    def __init__(self, app, socket_path, channel, script_name):
        self.app = app
        self.socket_path = socket_path
        self.channel = channel
        self.script_name = script_name
        self.oob_hooks = []
        self.stopping = False
        self.selector = selectors.DefaultSelector()

    def serve(self):
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGTERM, self.on_stop_signal)
        signal.signal(signal.SIGINT, self.on_stop_signal)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            os.unlink(self.socket_path)
        except FileNotFoundError:
            pass
        listener.bind(self.socket_path)
        listener.listen(128)
        self.selector.register(listener, selectors.EVENT_READ, 'accept')
        self.selector.register(self.channel.sock, selectors.EVENT_READ, 'channel')
        self.selector.register(wake_r, selectors.EVENT_READ, 'wake')
        self.channel.send({'type': 'ferry:ready', 'socketPath': self.socket_path})
        while not self.stopping:
            for key, _ in self.selector.select():
                if key.data == 'accept':
                    self.accept(listener)
                elif key.data == 'channel':
                    self.on_channel()
                elif key.data == 'wake':
                    os.read(wake_r, 512)
                else:
                    self.serve_connection(key.data)
        self.finish(listener)

    def on_stop_signal(self, signum, frame):
        self.stopping = True

    def accept(self, listener):
        try:
            sock, _ = listener.accept()
        except BlockingIOError:
            return
        sock.setblocking(True)
        self.selector.register(sock, selectors.EVENT_READ, Connection(sock))

    def on_channel(self):
        for message in self.channel.receive():
            if message.get('type') == 'ferry:oob-work':
                self.oob_work()
                self.channel.send({'type': 'ferry:oob-done', 'id': message.get('id')})
        if not self.channel.open:
            self.stopping = True

    def oob_work(self):
        """The app's hooks (registered with environ['ferry.on_oob_work']), or a full garbage collection."""
        if not self.oob_hooks:
            gc.collect()
            return
        for hook in self.oob_hooks:
            try:
                hook()
            except Exception:
                traceback.print_exc()

    def register_oob_hook(self, hook):
        if hook not in self.oob_hooks:
            self.oob_hooks.append(hook)

    def serve_connection(self, conn):
        """Serves the requests that arrived on this connection; it stays registered, waiting for more."""
        while True:
            keep = Exchange(self, conn).run()
            if not keep or self.stopping:
                break
            if not conn.buffer:
                return  # idle: the select loop brings the next request
        self.selector.unregister(conn.sock)
        conn.close()

    def finish(self, listener):
        """Stops taking connections; answers requests that already arrived, then closes the idle connections."""
        self.selector.unregister(listener)
        listener.close()
        try:
            os.unlink(self.socket_path)
        except OSError:
            pass
        conns = [key.data for key in self.selector.get_map().values() if isinstance(key.data, Connection)]
        for conn in conns:
            self.selector.unregister(conn.sock)
            if conn.has_data():
                try:
                    Exchange(self, conn).run()
                except Exception:
                    pass
            conn.close()
        sys.stdout.flush()
        sys.stderr.flush()


class ClientGone(Exception):
    pass


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b''

    def has_data(self):
        if self.buffer:
            return True
        self.sock.setblocking(False)
        try:
            data = self.sock.recv(READ_SIZE)
        except BlockingIOError:
            return False
        except OSError:
            return False
        finally:
            self.sock.setblocking(True)
        self.buffer += data
        return bool(data)

    def closed_by_core(self):
        """The core closed the connection: it gave up on the request it sent on it."""
        poller = select.poll()
        poller.register(self.sock, CLOSED_EVENTS)
        return bool(poller.poll(0))

    def recv(self):
        data = self.sock.recv(READ_SIZE)
        if not data:
            raise ClientGone()
        return data

    def read_head(self):
        """The request head (without its blank line), or None when the peer closed between requests."""
        while True:
            end = self.buffer.find(b'\r\n\r\n')
            if end >= 0:
                head = self.buffer[:end]
                self.buffer = self.buffer[end + 4:]
                return head
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise ValueError('request head too large')
            try:
                data = self.sock.recv(READ_SIZE)
            except OSError:
                data = b''
            if not data:
                if self.buffer:
                    raise ClientGone()
                return None
            self.buffer += data

    def read_some(self, limit):
        """Up to limit bytes: what is buffered, else one recv."""
        if not self.buffer:
            self.buffer = self.recv()
        data = self.buffer[:limit]
        self.buffer = self.buffer[limit:]
        return data

    def read_line(self):
        while True:
            end = self.buffer.find(b'\n')
            if end >= 0:
                line = self.buffer[:end + 1]
                self.buffer = self.buffer[end + 1:]
                return line
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise ValueError('chunk line too long')
            self.buffer += self.recv()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Input:
    """wsgi.input: the request body, read from the socket as the app asks for it (never buffered whole)."""

    def __init__(self, conn, length, chunked, on_first_read):
        self.conn = conn
        self.remaining = length  # bytes left of a Content-Length body, or of the current chunk when chunked
        self.chunked = chunked
        self.done = not chunked and length == 0
        self.on_first_read = on_first_read
        self.pending = b''
        self.in_chunks = False

    def _next_chunk_size(self):
        if self.in_chunks:
            self.conn.read_line()  # the CRLF that ends the previous chunk's data
        self.in_chunks = True
        size = int(self.conn.read_line().split(b';', 1)[0].strip(), 16)
        if size == 0:
            while self.conn.read_line() not in (b'\r\n', b'\n'):
                pass  # trailers
            self.done = True
        self.remaining = size

    def _first(self):
        if self.on_first_read is not None:
            callback, self.on_first_read = self.on_first_read, None
            callback()

    def _read_raw(self, limit):
        """Up to limit bytes of body (b'' at its end)."""
        if self.done:
            return b''
        self._first()
        if self.chunked and self.remaining == 0:
            self._next_chunk_size()
            if self.done:
                return b''
        data = self.conn.read_some(min(limit, self.remaining))
        self.remaining -= len(data)
        if self.remaining == 0 and not self.chunked:
            self.done = True
        return data

    def read(self, size=-1):
        if size is None or size < 0:
            parts = [self.pending]
            self.pending = b''
            while True:
                data = self._read_raw(READ_SIZE)
                if not data:
                    return b''.join(parts)
                parts.append(data)
        parts = [self.pending[:size]]
        self.pending = self.pending[size:]
        got = len(parts[0])
        while got < size:
            data = self._read_raw(size - got)
            if not data:
                break
            parts.append(data)
            got += len(data)
        return b''.join(parts)

    def readline(self, size=-1):
        while b'\n' not in self.pending and (size is None or size < 0 or len(self.pending) < size):
            data = self._read_raw(READ_SIZE)
            if not data:
                break
            self.pending += data
        end = self.pending.find(b'\n') + 1 or len(self.pending)
        if size is not None and size >= 0:
            end = min(end, size)
        line, self.pending = self.pending[:end], self.pending[end:]
        return line

    def readlines(self, hint=-1):
        lines = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                return lines

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def drain(self):
        """Reads what the app left of the body; False when too much was left to keep the connection."""
        self.pending = b''
        left = MAX_DRAIN_BYTES
        while left > 0:
            data = self._read_raw(min(READ_SIZE, left))
            if not data:
                return True
            left -= len(data)
        return self.done


class FileWrapper:
    """wsgi.file_wrapper: served with sendfile(2) when the file has a descriptor and the length is known."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, 'close'):
            self.close = filelike.close

    def __iter__(self):
        while True:
            data = self.filelike.read(self.blksize)
            if not data:
                return
            yield data


class Exchange:
    """One request and its response on a connection."""

    def __init__(self, server, conn):
        self.server = server
        self.conn = conn
        self.status = None
        self.headers = None
        self.headers_sent = False
        self.chunked = False
        self.keep_alive = True
        self.no_body = False
        # The app's own Content-Length, and the body bytes sent: the core reads exactly that many, so a body of
        # another length must not go out as it is (too long: the rest would be read as the next response; too
        # short: the core would wait for the rest, holding the process from every other client).
        self.declared = None
        self.body_sent = 0

    def run(self):
        """Serves one request; True when the connection may serve another."""
        try:
            head = self.conn.read_head()
        except (ClientGone, ValueError):
            return False
        if head is None:
            return False
        try:
            environ, body = self.environ(head)
        except ValueError:
            self.conn.sock.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
            return False
        # The core gave up on this request before the app began it (its client left while it waited here, handed ahead
        # behind another): nobody would read the answer, and running it would hold the process from the next one.
        if self.conn.closed_by_core():
            return False
        try:
            self.respond(environ)
        except ClientGone:
            return False
        except OSError:
            return False
        try:
            return self.keep_alive and body.drain()
        except (ClientGone, OSError, ValueError):
            return False

    def environ(self, head):
        lines = head.decode('latin-1').split('\r\n')
        method, target, protocol = lines[0].split(' ')
        path, _, query = target.partition('?')
        path_info = unquote_to_bytes(path).decode('latin-1')
        script_name = self.server.script_name
        if script_name and (path_info == script_name or path_info.startswith(script_name + '/')):
            path_info = path_info[len(script_name):]
        else:
            script_name = ''
        environ = {
            'REQUEST_METHOD': method,
            'SCRIPT_NAME': script_name,
            'PATH_INFO': path_info,
            'QUERY_STRING': query,
            'REQUEST_URI': target,
            'RAW_URI': target,
            'SERVER_PROTOCOL': protocol,
            'SERVER_NAME': 'localhost',
            'SERVER_PORT': '80',
            'REMOTE_ADDR': '127.0.0.1',
            'wsgi.version': (1, 0),
            'wsgi.url_scheme': 'http',
            'wsgi.errors': sys.stderr,
            'wsgi.multithread': False,
            'wsgi.multiprocess': True,
            'wsgi.run_once': False,
            'wsgi.file_wrapper': FileWrapper,
            'ferry.on_oob_work': self.server.register_oob_hook,
        }
        for line in lines[1:]:
            name, sep, value = line.partition(':')
            if not sep:
                raise ValueError('bad header line')
            # Underscores would let a client pass for a header the proxy vouches for (X_Forwarded_For): dropped.
            if '_' in name:
                continue
            key = name.strip().upper().replace('-', '_')
            value = value.strip()
            if key == 'CONTENT_TYPE' or key == 'CONTENT_LENGTH':
                environ[key] = value
                continue
            key = 'HTTP_' + key
            environ[key] = environ[key] + ',' + value if key in environ else value
        host = environ.get('HTTP_HOST')
        if host:
            name, _, port = host.rpartition(':') if host.rfind(':') > host.rfind(']') else (host, '', '')
            environ['SERVER_NAME'] = name
            environ['SERVER_PORT'] = port or ('443' if environ.get('HTTP_X_FORWARDED_PROTO') == 'https' else '80')
        # The core sets these (it replaces what a client it does not trust sent): the last hop is the client it saw.
        forwarded_for = environ.get('HTTP_X_FORWARDED_FOR')
        if forwarded_for:
            environ['REMOTE_ADDR'] = forwarded_for.rsplit(',', 1)[-1].strip()
        if environ.get('HTTP_X_FORWARDED_PROTO') == 'https':
            environ['wsgi.url_scheme'] = 'https'
            environ['HTTPS'] = 'on'
        connection = environ.get('HTTP_CONNECTION', '').lower()
        if protocol == 'HTTP/1.0':
            self.keep_alive = 'keep-alive' in connection
        elif 'close' in connection:
            self.keep_alive = False
        chunked = 'chunked' in environ.get('HTTP_TRANSFER_ENCODING', '').lower()
        length = 0 if chunked else int(environ.get('CONTENT_LENGTH') or 0)
        if length < 0:
            raise ValueError('negative Content-Length')
        expect_continue = environ.get('HTTP_EXPECT', '').lower() == '100-continue'
        body = Input(self.conn, length, chunked, self.send_continue if expect_continue else None)
        environ['wsgi.input'] = body
        environ['wsgi.input_terminated'] = True
        self.no_body = method == 'HEAD'
        return environ, body

    def send_continue(self):
        if not self.headers_sent:
            self.conn.sock.sendall(b'HTTP/1.1 100 Continue\r\n\r\n')

    def start_response(self, status, headers, exc_info=None):
        if exc_info is not None:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError('start_response called twice without exc_info')
        check_head(status, headers)
        self.status = status
        self.headers = headers
        return self.write

    def respond(self, environ):
        try:
            result = self.server.app(environ, self.start_response)
        except ClientGone:
            raise
        except Exception:
            self.fail()
            return
        try:
            if self.status is not None and not self.headers_sent and isinstance(result, (list, tuple)) and len(result) == 1:
                self.send_headers(len(result[0]), result[0])  # one piece: Content-Length, no chunking
                self.check_length()
                return
            if isinstance(result, FileWrapper) and self.sendfile(result):
                self.check_length()
                return
            for data in result:
                if data:
                    self.write(data)
            if not self.headers_sent:
                self.send_headers(0, b'')
            elif self.chunked:
                self.conn.sock.sendall(b'0\r\n\r\n')
            self.check_length()
        except ClientGone:
            raise
        except Exception:
            self.fail()
        finally:
            close = getattr(result, 'close', None)
            if close is not None:
                try:
                    close()
                except Exception:
                    traceback.print_exc()

    def sendfile(self, wrapper):
        """Sends the file with sendfile(2) when it has a descriptor and the app gave its length."""
        if self.status is None or not hasattr(wrapper.filelike, 'fileno'):
            return False
        length = self.declared_length()
        if length is None:
            return False
        try:
            wrapper.filelike.fileno()
        except (OSError, ValueError, AttributeError):
            return False
        self.send_headers(None, b'')
        if not self.no_body:
            self.body_sent += self.conn.sock.sendfile(wrapper.filelike, count=length)
        return True

    def declared_length(self):
        for name, value in self.headers:
            if name.lower() == 'content-length':
                return int(value)
        return None

    def write(self, data):
        if self.status is None:
            raise AssertionError('write() before start_response()')
        if not self.headers_sent:
            self.send_headers(None, data)
            return
        if self.no_body:
            return
        if self.chunked:
            self.conn.sock.sendall(b'%x\r\n%s\r\n' % (len(data), data))
        else:
            self.conn.sock.sendall(self.within_length(data))

    def send_headers(self, length, first):
        """Sends the head, with the first piece of the body in the same write."""
        code = int(self.status[:3])
        lines = ['HTTP/1.1 ', self.status, '\r\n']
        declared = False
        for name, value in self.headers:
            lower = name.lower()
            if lower in HOP_BY_HOP:
                continue
            if lower == 'content-length':
                declared = True
                self.declared = int(value)
            lines += [name, ': ', value, '\r\n']
        body_allowed = code not in NO_BODY_STATUSES and code >= 200
        if not declared and body_allowed:
            if length is not None:
                lines += ['Content-Length: ', str(length), '\r\n']
            else:
                self.chunked = not self.no_body
                if self.chunked:
                    lines.append('Transfer-Encoding: chunked\r\n')
        if not self.keep_alive:
            lines.append('Connection: close\r\n')
        lines.append('\r\n')
        head = ''.join(lines).encode('latin-1')
        self.headers_sent = True
        if self.no_body or not body_allowed or not first:
            self.conn.sock.sendall(head)
        elif self.chunked:
            self.conn.sock.sendall(head + b'%x\r\n%s\r\n' % (len(first), first))
        else:
            self.conn.sock.sendall(head + self.within_length(first))

    def within_length(self, data):
        """What of data fits in the app's Content-Length (the rest is dropped, and the connection ends after it)."""
        if self.declared is not None and self.body_sent + len(data) > self.declared:
            sys.stderr.write('Ferry: the app sent more body than its Content-Length (%d bytes); the rest is dropped\n' % self.declared)
            data = data[:max(0, self.declared - self.body_sent)]
            self.keep_alive = False
        self.body_sent += len(data)
        return data

    def check_length(self):
        """Ends the connection after a body shorter than the app's Content-Length (the core then sees it cut)."""
        if self.declared is None or self.no_body or self.body_sent >= self.declared:
            return
        if int(self.status[:3]) in NO_BODY_STATUSES or int(self.status[:3]) < 200:
            return
        sys.stderr.write('Ferry: the app sent %d bytes of body but a Content-Length of %d; the response is cut off\n' % (self.body_sent, self.declared))
        self.keep_alive = False
        raise ClientGone()

    def fail(self):
        """An exception in the app: logged; a 500 if nothing was sent yet, else the connection ends (truncated)."""
        traceback.print_exc()
        if self.headers_sent:
            self.keep_alive = False
            raise ClientGone()
        body = b'500 Internal Server Error\n'
        self.status = '500 Internal Server Error'
        self.headers = [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))]
        self.send_headers(None, body)


def check_head(status, headers):
    """Raises ValueError (a 500 for the app) for a status or header that would change the response's framing."""
    if not isinstance(status, str) or not STATUS_LINE.match(status):
        raise ValueError('invalid status %r: three digits, a space and a reason without control characters' % (status,))
    for name, value in headers:
        if not isinstance(name, str) or not HEADER_NAME.match(name):
            raise ValueError('invalid header name %r' % (name,))
        if not isinstance(value, str) or BAD_HEADER_VALUE.search(value):
            raise ValueError('invalid value for header %s: %r (no CR, LF or other control characters)' % (name, value))
        if name.lower() == 'content-length' and not value.isdigit():
            raise ValueError('invalid Content-Length %r: digits only' % (value,))


if __name__ == '__main__':
    main()
