# The Flask hello app the language bench serves through Ferry, Passenger and gunicorn (passenger_wsgi:application).
from flask import Flask

app = Flask(__name__)


@app.route('/')
def hello():
    return 'Hello from Flask\n'


application = app
