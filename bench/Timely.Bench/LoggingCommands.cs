using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators;

namespace Timely.Bench;

/// <summary>
/// <c>timely logging-send BATCH ROUNDS</c> and <c>timely logging-recv SOURCE_PEERS</c>, timely's
/// logging-send/logging-recv examples: each sending worker captures its <c>"timely"</c> log into a
/// TCP connection to <c>127.0.0.1:(PORT + worker)</c> while it runs the exchange workload; the
/// receiving job listens on those ports, replays every stream into one dataflow and prints each
/// event (<c>replayed: (time, TimelySetup { index }, event)</c>).
/// </summary>
public static class LoggingCommands
{
    /// <summary>timely's examples use ports from 8000.</summary>
    private const int DefaultPort = 8000;

    /// <summary>Both commands.</summary>
    public static IEnumerable<Command> Create()
    {
        yield return SendCommand();
        yield return ReceiveCommand();
    }

    private static Option<int> PortOption() => new("--port")
    {
        Description = $"First port: worker i's log goes to 127.0.0.1:(PORT + i) (default {DefaultPort}).",
        DefaultValueFactory = _ => DefaultPort,
        CustomParser = Cli.IntegerIn("--port", 1, 65535),
    };

    private static Command SendCommand()
    {
        var options = new CommunicationOptions();
        var batch = new Argument<ulong>("BATCH") { Description = "Records each worker sends per round.", CustomParser = Cli.IntegerIn("BATCH", 0UL, ulong.MaxValue) };
        var rounds = new Argument<ulong>("ROUNDS") { Description = "Rounds (input times).", CustomParser = Cli.IntegerIn("ROUNDS", 0UL, ulong.MaxValue) };
        var port = PortOption();
        var wait = new Option<int>("--wait") { Description = "Seconds to keep trying to reach the receiver (default 10).", DefaultValueFactory = _ => 10, CustomParser = Cli.IntegerIn("--wait", 0, 3600) };
        var command = new Command("logging-send", "timely's logging-send: runs exchange BATCH ROUNDS while each worker sends its dataflow log (operators, channels, schedules, messages, progress, parks) to 127.0.0.1:(PORT + worker) in timely's capture format; start `timely logging-recv` first.");
        command.Arguments.Add(batch);
        command.Arguments.Add(rounds);
        command.Options.Add(port);
        command.Options.Add(wait);
        options.AddTo(command);
        command.SetAction(result =>
        {
            var config = options.ToConfig(result);
            ulong b = result.GetValue(batch), r = result.GetValue(rounds);
            int first = result.GetValue(port);
            var deadline = TimeSpan.FromSeconds(result.GetValue(wait));
            if (first + config.Peers - 1 > 65535)
            {
                throw new ConfigException($"--port {first}: ports {first}..{first + config.Peers - 1} for {config.Peers} workers go past 65535");
            }

            return Cli.Run(() =>
            {
                foreach (var line in Send(config, b, r, first, deadline))
                {
                    Console.WriteLine(line);
                }

                return 0;
            });
        });
        return command;
    }

    private static Command ReceiveCommand()
    {
        var options = new CommunicationOptions();
        var peers = new Argument<int>("SOURCE_PEERS") { Description = "Workers of the sending job (one connection each).", CustomParser = Cli.IntegerIn("SOURCE_PEERS", 1, 4096) };
        var port = PortOption();
        var command = new Command("logging-recv", "timely's logging-recv: listens on 127.0.0.1:PORT .. PORT+SOURCE_PEERS-1 (source worker i to worker i mod workers), replays every log stream into one dataflow and prints `replayed: <event>` lines; prints `listening on 127.0.0.1:P` on stderr per port once bound.");
        command.Arguments.Add(peers);
        command.Options.Add(port);
        options.AddTo(command);
        command.SetAction(result =>
        {
            var config = options.ToConfig(result);
            int sources = result.GetValue(peers), first = result.GetValue(port);
            if (first + sources - 1 > 65535)
            {
                throw new ConfigException($"--port {first}: ports {first}..{first + sources - 1} for {sources} source workers go past 65535");
            }

            return Cli.Run(() =>
            {
                Receive(config, sources, first, line => Console.Out.WriteLine(line), line => Console.Error.WriteLine(line));
                return 0;
            });
        });
        return command;
    }

    /// <summary>
    /// The sending job: each worker connects to <c>127.0.0.1:(firstPort + index)</c> (retrying until
    /// <paramref name="wait"/> passes), logs into it through a <see cref="BatchLogger"/>, runs exchange
    /// <paramref name="batch"/> <paramref name="rounds"/>; returns each worker's completion line.
    /// </summary>
    public static List<string> Send(Config config, ulong batch, ulong rounds, int firstPort, TimeSpan wait) =>
        Execute.Run(config, worker =>
        {
            var client = Connect(new IPEndPoint(IPAddress.Loopback, firstPort + worker.Index), wait);
            var logger = new BatchLogger(worker.Index, new EventWriter<ulong, LogRecord>(client.GetStream()));
            worker.Log.Register<TimelyEvent>(BatchLogger.TimelyLogName, logger.Publish, logger.Close);
            var input = new InputHandle<ulong, ulong>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(x => x).ProbeWith(probe));
            var clock = Stopwatch.StartNew();
            for (ulong round = 0; round < rounds; round++)
            {
                for (ulong i = 0; i < batch; i++)
                {
                    input.Send(i);
                }

                input.AdvanceTo(round + 1);
                worker.StepWhile(() => probe.LessThan(input.Time));
            }

            return $"{WorkloadCommands.FormatDuration(clock.Elapsed)}\tworker {worker.Index} complete";
        }).ToList();

    /// <summary>
    /// The receiving job: binds the ports of the source workers this worker owns (source i goes to
    /// worker i mod peers), tells <paramref name="listening"/>, accepts one connection on each, replays
    /// them and gives each replayed record's line to <paramref name="replayed"/>.
    /// </summary>
    public static void Receive(Config config, int sources, int firstPort, Action<string> replayed, Action<string> listening) =>
        Execute.Run(config, worker =>
        {
            var listeners = Enumerable.Range(0, sources).Where(i => i % worker.Peers == worker.Index)
                .Select(i => new TcpListener(IPAddress.Loopback, firstPort + i)).ToList();
            foreach (var listener in listeners)
            {
                listener.Start();
                lock (listening)
                {
                    listening($"listening on {listener.LocalEndpoint}");
                }
            }

            var readers = new List<IEventIterator<ulong, LogRecord>>();
            foreach (var listener in listeners)
            {
                var socket = listener.AcceptSocket();
                listener.Stop();
                readers.Add(new EventReader<ulong, LogRecord>(new NetworkStream(socket, ownsSocket: true)));
                socket.Blocking = false;   // after wrapping: NetworkStream refuses a non-blocking socket
            }

            worker.Dataflow<ulong>(scope => readers.ReplayInto(scope).Inspect(record =>
            {
                lock (replayed)
                {
                    replayed($"replayed: {record}");
                }
            }));
        });

    private static TcpClient Connect(IPEndPoint endpoint, TimeSpan wait)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var client = new TcpClient { NoDelay = true };
            try
            {
                client.Connect(endpoint);
                return client;
            }
            catch (SocketException e) when (clock.Elapsed < wait)
            {
                client.Dispose();
                _ = e;
                Thread.Sleep(50);   // the receiver is not listening yet: retry, bounded by --wait
            }
            catch (SocketException e)
            {
                client.Dispose();
                throw new IOException($"logging-send: nothing listens on {endpoint} after {wait.TotalSeconds:0} s ({e.SocketErrorCode}); start `timely logging-recv` first", e);
            }
        }
    }
}
