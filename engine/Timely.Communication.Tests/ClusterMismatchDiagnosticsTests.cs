using Timely.Testing;

namespace Timely.Communication.Tests;

/// <summary>
/// Processes of one job started with different settings, through the real <c>timely</c>: each
/// side's one line names the setting that differs (instead of a connect timeout that says only
/// that a peer never came), and says "shm" once.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ClusterMismatchDiagnosticsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("timely-mismatch-").FullName;

    [Fact]
    public void Shm_processes_started_with_another_process_count_both_name_it()
    {
        string job = "mismatch-" + Guid.NewGuid().ToString("N")[..12];
        string args = $"barrier 100 --transport shm --job {job} --shm-dir {_root} --connect-timeout 30";
        var two = TimelyChild.Start($"{args} -n 2 -p 0");
        var three = TimelyChild.Start($"{args} -n 3 -p 1");
        var results = new[] { two.Finish(), three.Finish() };

        Assert.All(results, r => Assert.Equal(1, r.ExitCode));
        Assert.Contains(results, r => r.Stderr.Contains("every process needs the same -n", StringComparison.Ordinal));
        Assert.All(results, r => Assert.DoesNotContain("shm: shm", r.Stderr, StringComparison.Ordinal));
        Assert.All(results, r => Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    public static TheoryData<string, string, string, string> TcpCases => new()
    {
        { "-w 1 --job same", "-w 2 --job same", "-w differs", "it runs 2 workers per process, this job 1" },
        { "-w 1", "-w 2", "without --job the job comes from the hostfile and -w", "job id" },
        { "--job a", "--job b", "the --job names differ", "job id" },
        { "--secret-file SECRET", string.Empty, "one of the two has a cluster secret and the other has none", "it has no cluster secret" },
    };

    [Theory]
    [MemberData(nameof(TcpCases))]
    public void A_tcp_connector_with_another_setting_is_told_which_and_the_acceptor_says_so_as_it_happens(string acceptorFlags, string connectorFlags, string connectorSays, string acceptorWarns)
    {
        string secret = Path.Combine(_root, "secret");
        File.WriteAllText(secret, "mismatch\n");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var addresses = FreePorts.Loopback(2);
        string hostfile = Path.Combine(_root, "hosts");
        File.WriteAllLines(hostfile, addresses);
        string args = $"barrier 100 -n 2 --transport tcp -h {hostfile} --connect-timeout 5";
        var acceptor = TimelyChild.Start($"{args} -p 0 {acceptorFlags.Replace("SECRET", secret, StringComparison.Ordinal)}");
        var connector = TimelyChild.Start($"{args} -p 1 {connectorFlags}");
        var (connectorExit, _, connectorErr) = connector.Finish();
        var (acceptorExit, _, acceptorErr) = acceptor.Finish();

        Assert.Equal(1, connectorExit);
        Assert.Contains($"process 0 at {addresses[0]} refused this process: ", connectorErr, StringComparison.Ordinal);
        Assert.Contains(connectorSays, connectorErr, StringComparison.Ordinal);
        Assert.Equal(1, acceptorExit);
        Assert.Contains("timely: warning: handshake from ", acceptorErr, StringComparison.Ordinal);   // said when it happened, before the timeout line
        Assert.Contains(acceptorWarns, acceptorErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", connectorErr + acceptorErr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
