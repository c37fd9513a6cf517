using Timely.Communication.Diagnostics;
using Timely.Communication.Fabrics;

namespace Timely.Communication.Tests;

/// <summary>
/// Refused connection attempts reach the config's diagnostics, never the console, and a flood of
/// strangers cannot flood the log: the first few one by one, then one line, then silence.
/// </summary>
public sealed class RefusalReportTests
{
    [Fact]
    public void The_first_refusals_are_reported_one_by_one_then_once_that_more_were_refused()
    {
        var heard = new List<DiagnosticMessage>();
        var config = Config.Process(1) with { Diagnostics = heard.Add };
        var sink = TcpFabric.RefusedSink(config);

        for (int i = 0; i < TcpFabric.RefusalsReported * 10; i++)
        {
            sink($"handshake from a client at 127.0.0.1:{1000 + i} refused: bad magic.");
        }

        Assert.Equal(TcpFabric.RefusalsReported + 1, heard.Count);
        Assert.All(heard, d => Assert.Equal(DiagnosticLevel.Warning, d.Level));
        for (int i = 0; i < TcpFabric.RefusalsReported; i++)
        {
            Assert.Contains($"127.0.0.1:{1000 + i} refused", heard[i].Message, StringComparison.Ordinal);
        }

        Assert.Contains($"more than {TcpFabric.RefusalsReported} connection attempts refused", heard[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_set_up_counts_its_own_refusals()
    {
        var heard = new List<DiagnosticMessage>();
        var config = Config.Process(1) with { Diagnostics = heard.Add };
        for (int run = 0; run < 3; run++)
        {
            TcpFabric.RefusedSink(config)("handshake from a client at 127.0.0.1:9 refused: bad magic.");
        }

        Assert.Equal(3, heard.Count);
    }
}
