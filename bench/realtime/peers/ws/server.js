// The ws peer: a client sends "join <room>" to join (answered "joined"); any other text frame "<room> <text>" goes to
// every room member.
// The frame is encoded once per broadcast (ws sends the same buffer to each socket), as a careful ws app would.
const { WebSocketServer } = require("ws");

const port = Number(process.env.PORT || 3002);
const rooms = new Map();
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });
wss.on("connection", (socket) => {
  let joined = null;
  socket.on("message", (data) => {
    const space = data.indexOf(0x20);
    const head = data.toString("utf8", 0, space < 0 ? data.length : space);
    if (head === "join") {
      joined = data.toString("utf8", space + 1);
      if (!rooms.has(joined)) rooms.set(joined, new Set());
      rooms.get(joined).add(socket);
      socket.send("joined");
      return;
    }
    const members = rooms.get(head);
    if (!members || space < 0) return;
    const message = data.subarray(space + 1);
    for (const member of members) member.send(message, { binary: false });
  });
  socket.on("close", () => joined && rooms.get(joined)?.delete(socket));
});
wss.on("listening", () => console.log(`ws listening on ${port}`));
process.on("SIGTERM", () => process.exit(0));
