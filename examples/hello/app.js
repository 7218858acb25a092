// The smallest app Ferry serves: an unmodified Node.js HTTP server. Ferry makes its listen() call land on a
// socket of Ferry's choosing, so the same file runs with `node app.js` or `ferry start`.
const http = require('node:http')

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' })
  res.end(`Hello from process ${process.pid}\n`)
})

server.listen(process.env.PORT || 3000)
