// The realtime benchmark's load generator: one program for every server (our hub in JSON and MessagePack, Socket.IO,
// ws), speaking each protocol at the wire level over its own WebSocket client (ReceiveLoop, Connection), so the client
// side costs the same for all.
//   LoadGen turn --target agents-json|agents-msgpack|agents-ws|socket.io|ws --root-pid P --server-match TEXT [--url ws://...]
//                [--front-door http://localhost:5080] [--clients 1000] [--size 256] [--rates 10,20,40,...]
//                [--step-seconds 8] [--min-messages 150] [--idle 1000,5000] [--max-p99 250]
//                [--receive-spin-us 100] [--dump-messages PREFIX] --out turn.json
//   LoadGen summarize --dir DIR --out results.json
using System.Globalization;
using Agents.Bench.LoadGen;

var command = args.FirstOrDefault();
var options = Options.Parse(args.Skip(1));
return command switch
{
    "turn" => await Turn.RunAsync(options),
    "summarize" => Summary.Write(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: LoadGen turn --target ... --root-pid ... --server-match ... --out ... | LoadGen summarize --dir ... --out ...");
    return 2;
}

public sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>();
        string? key = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                key = arg[2..];
                values[key] = "";
            }
            else if (key is not null)
            {
                values[key] = arg;
                key = null;
            }
        }
        return new Options(values);
    }

    public string Get(string name, string? fallback = null) =>
        values.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"--{name} is required");

    public int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    public int[] Ints(string name, string fallback) =>
        [.. Get(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
}
