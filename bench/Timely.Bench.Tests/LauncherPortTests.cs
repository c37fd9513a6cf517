using Timely.Bench.Launch;

namespace Timely.Bench.Tests;

/// <summary>
/// The launcher gives the processes it starts free loopback ports, not timely's fixed 2101 + i:
/// two TCP clusters launched at once on one host (two test classes, two suite runs) each
/// complete instead of refusing each other's handshakes, and the hostfile it wrote is gone after.
/// </summary>
public sealed class LauncherPortTests : IDisposable
{
    private readonly string _tmp = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Fact]
    public void Two_tcp_clusters_launched_at_once_both_complete_and_leave_no_hostfile()
    {
        var environment = new Dictionary<string, string> { ["TMPDIR"] = _tmp };
        string[] args = ["roundtrip", "300", "--processes", "2", "--transport", "tcp"];
        using var first = TimelyChild.Start(args, environment);
        using var second = TimelyChild.Start(args, environment);
        foreach (var child in new[] { first, second })
        {
            var (exit, _, stderr) = child.WaitForExit(TimeSpan.FromSeconds(120));
            Assert.True(exit == 0, $"exit {exit}: {string.Join('\n', stderr)}");
            Assert.Equal(2, stderr.Count(l => l.Contains("complete", StringComparison.Ordinal)));
        }

        Assert.Empty(Directory.GetFileSystemEntries(_tmp, "timely-launch-*"));
    }

    [Theory]
    [InlineData(new[] { "hello", "-n", "2", "--transport", "shm" }, false)]
    [InlineData(new[] { "hello", "-n", "2", "--transport=shm" }, false)]
    [InlineData(new[] { "hello", "--transport", "SHM", "-n", "2" }, false)]
    [InlineData(new[] { "hello", "-n", "2", "--transport", "tcp" }, true)]
    [InlineData(new[] { "hello", "-n", "2", "--transport", "auto" }, true)]
    [InlineData(new[] { "hello", "-n", "2" }, true)]
    [InlineData(new[] { "hello", "-n", "2", "--transport", "tcp", "--transport", "shm" }, false)]
    public void Only_a_launch_that_meets_over_tcp_gets_ports(string[] args, bool needs) =>
        Assert.Equal(needs, Launcher.NeedsAddresses(args));
}
