# The Sinatra hello app the language bench serves through Ferry, Passenger and puma.
require 'sinatra/base'

class Hello < Sinatra::Base
  get('/') { "Hello from Sinatra\n" }
end

run Hello
