// An HTTP server logging through pino-http (Node's usual request logger) answers the requests
// listed on stdin's JSON (path, status, headers); its log lines go to stdout. For
// tests/test_json_access_logs.py, which checks each line against the request it logs.
const http = require('http');
const logger = require('pino-http')();

const calls = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const server = http.createServer((req, res) => {
  logger(req, res);
  const call = calls[Number(req.headers['x-call'])];
  res.statusCode = call.status;
  res.end(call.body);
});
server.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  for (const [i, call] of calls.entries()) {
    await new Promise((done) => {
      const req = http.request({port, method: call.method, path: call.path, headers: {...call.headers, 'x-call': String(i)}},
        (r) => { r.resume(); r.on('end', done); });
      req.end();
    });
  }
  server.close();
});
