// The ceiling for any Node handler on this machine: a bare node:http server answering every
// request `201 Created` with a Location, as GET /invites_api does, and nothing else. Talks to its
// parent over IPC.
import http from 'node:http';

const server = http.createServer((_req, res) => {
  res.writeHead(201, { location: 'http://localhost/invite?AAAAAAAAAAAAAAAAAAAAAAAA' });
  res.end();
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') process.exit(0);
});
