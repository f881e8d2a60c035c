// The Socket.IO peer: a client joins the room by emitting "join" (acknowledged); a "send" goes to every room member.
// WebSocket transport only (no long-polling), default settings otherwise, no per-message compression (as ws and ours).
const { createServer } = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT || 3001);
const http = createServer();
const io = new Server(http, { transports: ["websocket"], perMessageDeflate: false, serveClient: false });
io.on("connection", (socket) => {
  socket.on("join", (room, ack) => {
    socket.join(String(room));
    if (typeof ack === "function") ack();
  });
  socket.on("send", (room, text) => io.to(String(room)).emit("msg", text));
});
http.listen(port, "127.0.0.1", () => console.log(`socket.io listening on ${port}`));
process.on("SIGTERM", () => process.exit(0));
