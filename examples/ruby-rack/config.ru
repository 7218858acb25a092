# A Rack app that needs only the rack gem: `ferry start examples/ruby-rack` (config.ru makes it a Ruby app).
run(lambda do |_env|
  [200, { 'content-type' => 'text/plain; charset=utf-8' }, ["Hello from Ruby (process #{Process.pid}, #{ENV['RACK_ENV']})\n"]]
end)
