using System.CommandLine;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Examples;

namespace Timely.Bench.Commands;

/// <summary>
/// <c>timely logging-send BATCH ROUNDS</c> and <c>timely logging-recv SOURCE_PEERS</c>, timely's
/// logging-send/logging-recv examples (<see cref="LoggingSend"/>, <see cref="LoggingRecv"/>): each
/// sending worker captures its <c>"timely"</c> log into a TCP connection to
/// <c>127.0.0.1:(PORT + worker)</c> while it runs the exchange workload; the receiving job listens
/// on those ports, replays every stream into one dataflow and prints each event.
/// </summary>
public static class LoggingCommands
{
    /// <summary>timely's examples use ports from 8000.</summary>
    private const int DefaultPort = 8000;

    private static Option<int> PortOption() => new("--port")
    {
        Description = $"First port: worker i's log goes to 127.0.0.1:(PORT + i) (default {DefaultPort}).",
        DefaultValueFactory = _ => DefaultPort,
        CustomParser = Cli.IntegerIn("--port", 1, 65535),
    };

    /// <summary><c>timely logging-send BATCH ROUNDS</c>.</summary>
    public static Command Send()
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
            CheckPorts(first, config.Peers, "workers");

            return Cli.Run(() =>
            {
                foreach (var line in Execute.Run(config, worker => LoggingSend.Run(worker, b, r, first, deadline)))
                {
                    Console.WriteLine(line);
                }

                return 0;
            });
        });
        return command;
    }

    /// <summary><c>timely logging-recv SOURCE_PEERS</c>.</summary>
    public static Command Receive()
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
            CheckPorts(first, sources, "source workers");

            return Cli.Run(() =>
            {
                Execute.Run(config, worker => LoggingRecv.Run(worker, sources, first, line => Console.Out.WriteLine(line), line => Console.Error.WriteLine(line)));
                return 0;
            });
        });
        return command;
    }

    /// <summary>Refuses a first port whose range of <paramref name="count"/> ports goes past 65535.</summary>
    private static void CheckPorts(int first, int count, string owners)
    {
        if (first + count - 1 > 65535)
        {
            throw new ConfigException($"--port {first}: ports {first}..{first + count - 1} for {count} {owners} go past 65535");
        }
    }
}
