using System.CommandLine;
using Timely.Bytes;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;
using Timely.Examples;

namespace Timely.Bench.Commands;

/// <summary>
/// <c>timely capture-link</c> and <c>timely capture-tcp</c> (the two examples of timely's capture
/// module documentation, <see cref="CaptureExamples"/>), <c>timely capture-file --out DIR</c> (one capture file per worker of a
/// demo dataflow) and <c>timely replay-file FILE...</c> (replays any set of capture files on any
/// number of workers and prints what <c>Extract</c> gives).
/// </summary>
public static class CaptureCommands
{
    /// <summary><c>timely capture-link</c>.</summary>
    public static Command CaptureLink() => OneWorker(
        "capture-link",
        "timely's EventLink example: capture 0..10 into a linked list in one dataflow, replay it in another; prints `replayed: 0` .. `replayed: 9`.",
        CaptureExamples.Link);

    /// <summary><c>timely capture-tcp</c>.</summary>
    public static Command CaptureTcp() => OneWorker(
        "capture-tcp",
        "timely's EventWriter/EventReader example: capture 0..10 into a loopback TCP connection (OS-chosen port), replay from a non-blocking socket; prints `replayed: 0` .. `replayed: 9`.",
        CaptureExamples.Tcp);

    /// <summary><c>timely capture-file --out DIR</c>.</summary>
    public static Command CaptureFile()
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

    /// <summary><c>timely replay-file FILE...</c>.</summary>
    public static Command ReplayFile()
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
    public static List<string> ReplayFiles<[WireEncoded] TData>(Config config, IReadOnlyList<string> paths)
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

    /// <summary>A command without options that runs <paramref name="example"/> on one worker, printing to stdout.</summary>
    private static Command OneWorker(string name, string description, Action<Worker, TextWriter> example)
    {
        var command = new Command(name, description);
        command.SetAction(_ =>
        {
            Execute.Run(Config.Thread, worker => example(worker, Console.Out));
            return 0;
        });
        return command;
    }
}
