using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;

namespace Timely.Bench;

/// <summary>
/// <c>timely capture-link</c> and <c>timely capture-tcp</c> (the two examples of timely's capture
/// module documentation), <c>timely capture-file --out DIR</c> (one capture file per worker of a
/// demo dataflow) and <c>timely replay-file FILE...</c> (replays any set of capture files on any
/// number of workers and prints what <c>Extract</c> gives).
/// </summary>
public static class CaptureCommands
{
    private static readonly ulong[] ZeroToNine = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

    public static IEnumerable<Command> Create()
    {
        var link = new Command("capture-link", "timely's EventLink example: capture 0..10 into a linked list in one dataflow, replay it in another; prints `replayed: 0` .. `replayed: 9`.");
        link.SetAction(_ => CaptureLink(Console.Out));
        yield return link;

        var tcp = new Command("capture-tcp", "timely's EventWriter/EventReader example: capture 0..10 into a loopback TCP connection (OS-chosen port), replay from a non-blocking socket; prints `replayed: 0` .. `replayed: 9`.");
        tcp.SetAction(_ => CaptureTcp(Console.Out));
        yield return tcp;

        yield return CaptureFileCommand();
        yield return ReplayFileCommand();
    }

    /// <summary>The EventLink example on one worker; writes the seed's lines to <paramref name="output"/>.</summary>
    public static int CaptureLink(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Execute.Run(Config.Thread, worker =>
        {
            var handle1 = new EventLink<ulong, ulong>();
            var handle2 = handle1.Fork();
            worker.Dataflow<ulong>(scope1 => ZeroToNine.ToStream(scope1).CaptureInto(handle1));
            worker.Dataflow<ulong>(scope2 => new[] { handle2 }.ReplayInto(scope2).Inspect(x => output.WriteLine($"replayed: {x}")));
        });
        return 0;
    }

    /// <summary>The TCP example on one worker (127.0.0.1, port chosen by the OS); writes the seed's lines to <paramref name="output"/>.</summary>
    public static int CaptureTcp(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Execute.Run(Config.Thread, worker =>
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            using var send = new TcpClient();
            send.Connect((IPEndPoint)listener.LocalEndpoint);
            var recv = listener.AcceptSocket();
            var writer = new EventWriter<ulong, ulong>(send.GetStream());
            // NetworkStream refuses a socket that is already non-blocking; switch after wrapping it.
            using var reader = new EventReader<ulong, ulong>(new NetworkStream(recv, ownsSocket: true));
            recv.Blocking = false;
            worker.Dataflow<ulong>(scope1 => ZeroToNine.ToStream(scope1).CaptureInto(writer));
            worker.Dataflow<ulong>(scope2 => new[] { reader }.ReplayInto(scope2).Inspect(x => output.WriteLine($"replayed: {x}")));
            while (worker.Step())
            {
            }

            writer.Dispose();
        });
        return 0;
    }

    private static Command CaptureFileCommand()
    {
        var options = new CommunicationOptions();
        var outDir = new Option<string>("--out") { Description = "Directory for the capture files (created if missing); worker i writes <DIR>/<i>.bin.", Required = true };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of input (times 0..ROUNDS-1).", DefaultValueFactory = _ => 10 };
        var records = new Option<int>("--records") { Description = "Records each worker sends per round.", DefaultValueFactory = _ => 100 };
        var command = new Command("capture-file", "Captures a demo dataflow (each worker sends RECORDS values per round at time = round, exchanged by value) into one file per worker, in timely's EventWriter format (Event<u64, u64>).");
        command.Options.Add(outDir);
        command.Options.Add(rounds);
        command.Options.Add(records);
        options.AddTo(command);
        command.SetAction(result =>
        {
            string dir = result.GetValue(outDir)!;
            var written = WriteCaptureFiles(options.ToConfig(result), dir, result.GetValue(rounds), result.GetValue(records));
            foreach (var (path, bytes) in written)
            {
                Console.WriteLine($"{path}\t{bytes} bytes");
            }

            return 0;
        });
        return command;
    }


    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    /// <summary>
    /// Creates <paramref name="dir"/> if missing and proves it takes a new file (one this call
    /// creates and deletes itself); otherwise a <see cref="ConfigException"/> naming it and why.
    /// </summary>
    private static void PrepareOutputDirectory(string dir)
    {
        string why;
        try
        {
            Directory.CreateDirectory(dir);
            string probe = Path.Combine(dir, $".timely-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }

            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            why = OneLine(e.Message);
        }

        throw new ConfigException($"--out {dir}: cannot create or write the directory ({why})");
    }

    /// <summary>
    /// Runs the demo dataflow and captures each worker's exchanged stream into
    /// <paramref name="dir"/>/&lt;worker&gt;.bin; returns each local file and its length.
    /// Worker w sends round * 1_000_000 + i * peers + w for i in 0..records at time round.
    /// </summary>
    public static (string Path, long Bytes)[] WriteCaptureFiles(Config config, string dir, int rounds, int records)
    {
        ArgumentNullException.ThrowIfNull(dir);
        ArgumentOutOfRangeException.ThrowIfNegative(rounds);
        ArgumentOutOfRangeException.ThrowIfNegative(records);
        PrepareOutputDirectory(dir);
        return Execute.Run(config, worker =>
        {
            string path = Path.Combine(dir, $"{worker.Index}.bin");
            // The capture flushes and closes the writer when the dataflow completes.
            var writer = new EventWriter<ulong, ulong>(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16));
            var input = new InputHandle<ulong, ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(x => x).CaptureInto(writer));
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < records; i++)
                {
                    input.Send(((ulong)round * 1_000_000) + ((ulong)i * (ulong)worker.Peers) + (ulong)worker.Index);
                }

                input.AdvanceTo((ulong)round + 1);
                worker.Step();
            }

            input.Close();
            while (worker.Step())
            {
            }

            return (path, new FileInfo(path).Length);
        });
    }

    private static Command ReplayFileCommand()
    {
        var options = new CommunicationOptions();
        var files = new Argument<string[]>("FILE") { Description = "Capture files (timely's EventWriter format), any number; file i is replayed by worker i mod workers.", Arity = ArgumentArity.OneOrMore };
        var data = new Option<string>("--data") { Description = "Record type of the files: u64 or string (times are u64).", DefaultValueFactory = _ => "u64" };
        var command = new Command("replay-file", "Replays capture files on the configured workers, captures the replayed stream and prints Extract's result: one `(time, [sorted data])` line per time.");
        command.Arguments.Add(files);
        command.Options.Add(data);
        options.AddTo(command);
        command.SetAction(result =>
        {
            var config = options.ToConfig(result);
            string[] paths = result.GetValue(files)!;
            var lines = result.GetValue(data) switch
            {
                "u64" => ReplayFiles<ulong>(config, paths),
                "string" => ReplayFiles<string>(config, paths),
                var other => throw new ConfigException($"--data {other}: expected u64 or string"),
            };
            foreach (string line in lines)
            {
                Console.WriteLine(line);
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// Checks every file (whole records, known tags, the replay protocol, complete), then replays
    /// them on the workers of <paramref name="config"/> and returns the extracted lines of this
    /// process's workers. A missing, corrupt or truncated file throws before anything is replayed,
    /// naming the file and the byte offset or event.
    /// </summary>
    public static List<string> ReplayFiles<TData>(Config config, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (string path in paths)
        {
            CaptureFiles.ReadChecked<ulong, TData>(path);
        }

        var queues = Execute.Run(config, worker =>
        {
            var readers = paths.OwnedBy(worker).Select(p => new EventReader<ulong, TData>(File.OpenRead(p))).ToList();
            try
            {
                var queue = worker.Dataflow<ulong, CaptureQueue<ulong, TData>>(scope => readers.ReplayInto(scope).Capture());
                while (worker.Step())
                {
                }

                return queue;
            }
            finally
            {
                readers.ForEach(r => r.Dispose());
            }
        });

        return queues.SelectMany(q => q.Drain()).Extract().ToDebugLines().ToList();
    }
}
