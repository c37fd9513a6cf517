using System.Net;
using System.Net.Sockets;

namespace Timely.Bench.Tests;

/// <summary>timely's logging-send/logging-recv examples, run as two real processes over loopback TCP.</summary>
public sealed class LoggingCommandTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>A first port with <paramref name="count"/> consecutive ports free a moment ago.</summary>
    private static int FreeConsecutivePorts(int count)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int first = ((IPEndPoint)probe.LocalEndPoint!).Port;
            if (first + count > 65535)
            {
                continue;
            }

            var others = new List<Socket>();
            try
            {
                for (int i = 1; i < count; i++)
                {
                    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    others.Add(s);
                    s.Bind(new IPEndPoint(IPAddress.Loopback, first + i));
                }

                return first;
            }
            catch (SocketException)
            {
                // taken: try another
            }
            finally
            {
                others.ForEach(s => s.Dispose());
            }
        }

        throw new InvalidOperationException("no run of free loopback ports found");
    }

    [Fact]
    public void Two_sending_workers_logs_are_replayed_by_a_receiving_process_with_one_worker()
    {
        int port = FreeConsecutivePorts(2);
        using var recv = TimelyChild.Start(["logging-recv", "2", "--port", $"{port}"]);
        // The sender retries its connections (bounded by --wait) until the receiver listens.
        var send = TimelyChild.Run(["logging-send", "20", "4", "-w", "2", "--port", $"{port}", "--wait", "30"], Deadline);
        Assert.True(send.ExitCode == 0, string.Join('\n', send.Stderr));
        Assert.Equal(2, send.Stdout.Count(l => l.Contains("complete", StringComparison.Ordinal)));

        var (code, stdout, stderr) = recv.WaitForExit(Deadline);
        Assert.True(code == 0, string.Join('\n', stderr));
        Assert.Equal([$"listening on 127.0.0.1:{port}", $"listening on 127.0.0.1:{port + 1}"], stderr.Order());
        Assert.All(stdout, l => Assert.StartsWith("replayed: (", l, StringComparison.Ordinal));
        foreach (int worker in new[] { 0, 1 })
        {
            var mine = stdout.Where(l => l.Contains($"TimelySetup {{ index: {worker} }}", StringComparison.Ordinal)).ToList();
            Assert.Equal(4, mine.Count(l => l.Contains("Operates(", StringComparison.Ordinal)));
            Assert.Contains(mine, l => l.Contains("name: \"Exchange\"", StringComparison.Ordinal));
            Assert.Contains(mine, l => l.Contains("start_stop: Start", StringComparison.Ordinal));
            Assert.Contains(mine, l => l.Contains("Messages(MessagesEvent { is_send: true", StringComparison.Ordinal));
            Assert.Contains(mine, l => l.Contains("Shutdown(", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_sender_with_no_receiver_fails_with_one_line_naming_the_address()
    {
        int port = FreeConsecutivePorts(1);
        var (code, _, stderr) = TimelyChild.Run(["logging-send", "1", "1", "--port", $"{port}", "--wait", "0"], Deadline);
        Assert.Equal(1, code);
        Assert.Contains(stderr, l => l.Contains($"127.0.0.1:{port}", StringComparison.Ordinal) && l.StartsWith("timely:", StringComparison.Ordinal));
        Assert.DoesNotContain(stderr, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_port_is_a_usage_error()
    {
        var (code, _, stderr) = TimelyChild.Run(["logging-recv", "2", "--port", "70000"], Deadline);
        Assert.Equal(2, code);
        Assert.Contains(stderr, l => l.StartsWith("timely: error: --port", StringComparison.Ordinal));
    }
}
