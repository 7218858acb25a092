# A WSGI app with no dependencies: `ferry start examples/python-wsgi` (passenger_wsgi.py makes it a Python app).
import os


def application(environ, start_response):
    body = 'Hello from Python (process %d, %s)\n' % (os.getpid(), os.environ.get('FERRY_APP_ENV', '?'))
    start_response('200 OK', [('Content-Type', 'text/plain; charset=utf-8')])
    return [body.encode()]
