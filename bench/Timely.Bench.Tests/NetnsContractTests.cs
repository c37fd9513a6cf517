using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Timely.Bench.Tests;

/// <summary>
/// <c>--transport auto</c> on two hosts that are real to the transports (<see cref="NetnsHosts"/>:
/// network namespaces joined by a veth, each with its own <c>/dev/shm</c> and host name), two
/// <c>timely</c> processes on each: shared memory inside a host, TCP across, no <c>--host-id</c>.
/// A partition is the veth set down inside one namespace.
/// </summary>
public sealed class NetnsContractTests : IDisposable
{
    private const double PeerTimeoutSeconds = 3;

    /// <summary>What a process may take beyond <c>--peer-timeout</c> to notice a partition, fail and exit.</summary>
    private static readonly TimeSpan FailBound = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>
    /// For a workload that must run to its end after the partition heals (about 20 s here, over
    /// 60 s with two busy-looping processes beside the suite): long enough for a loaded host,
    /// and still a failure, not a hang, if the job never ends.
    /// </summary>
    private static readonly TimeSpan CompletionDeadline = TimeSpan.FromSeconds(180);

    private readonly ITestOutputHelper _output;
    private readonly NetnsHosts? _hosts;
    private readonly string _dir;

    public NetnsContractTests(ITestOutputHelper output)
    {
        _output = output;
        if (NetnsHosts.UnavailableReason is null)
        {
            _hosts = new NetnsHosts();
        }

        _dir = ReportFiles.TempDirectory();
    }

    private NetnsHosts Hosts => _hosts ?? throw new InvalidOperationException("namespace hosts are unavailable: " + NetnsHosts.UnavailableReason);

    public void Dispose()
    {
        try
        {
            _hosts?.Dispose();
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [NetnsFact]
    public void Hello_on_two_processes_on_each_of_two_namespace_hosts_receives_every_greeting()
    {
        var children = StartAll(["hello"], PeerTimeoutSeconds);
        for (int p = 0; p < 4; p++)
        {
            var (code, stdout, stderr) = children[p].Finish(Deadline);
            Assert.True(code == 0, $"process {p} exited {code}: {stderr}");
            var lines = stdout.Split('\n', StringSplitOptions.TrimEntries);
            Assert.Equal(4, lines.Count(l => l == $"worker {p}: received: <hello, {p}>"));   // one from each of the 4 workers
            Assert.Contains($"result: Ok({p})", lines);
        }

        Assert.Empty(Hosts.A.ShmEntries());
        Assert.Empty(Hosts.B.ShmEntries());
    }

    [NetnsFact]
    public void Each_host_keeps_its_shared_memory_and_a_partition_fails_every_process_naming_a_peer_across_it()
    {
        var children = StartAll(["pingpong", "1000000000", "100"], PeerTimeoutSeconds);
        WaitUntilRunning(children);

        // Shared memory inside each host: one job directory per host, in that host's /dev/shm only.
        var onA = Hosts.A.ShmEntries();
        var onB = Hosts.B.ShmEntries();
        Assert.Single(onA, e => e.StartsWith("timely-", StringComparison.Ordinal));
        Assert.Single(onB, e => e.StartsWith("timely-", StringComparison.Ordinal));
        Assert.Empty(onA.Intersect(onB));
        Assert.All(onA.Concat(onB), e => Assert.False(Path.Exists(Path.Combine("/dev/shm", e)), $"{e} is visible outside its host"));

        // TCP across: processes 0 and 1 (host A) each hold a connection to 2 and to 3 (host B).
        Assert.Equal(4, Hosts.A.EstablishedTo(Hosts.B.Address));

        long partitionedAt = Stopwatch.GetTimestamp();
        NetnsHosts.SetLink(Hosts.A, up: false);
        var fails = new List<string>();
        for (int p = 0; p < 4; p++)
        {
            var (code, stdout, stderr) = children[p].Finish(Deadline);
            var took = Stopwatch.GetElapsedTime(partitionedAt, children[p].ExitedAt);
            fails.Add(string.Create(CultureInfo.InvariantCulture, $"p{p} {took.TotalSeconds:0.000} s"));
            Assert.True(code == 1, $"process {p} exited {code} after the partition: {stdout} {stderr}");
            var across = p < 2 ? $@"process [23] at {Regex.Escape(Hosts.B.Address)}:" : $@"process [01] at {Regex.Escape(Hosts.A.Address)}:";
            Assert.Matches(across, stderr);
            Assert.True(took < TimeSpan.FromSeconds(PeerTimeoutSeconds) + FailBound, $"process {p} failed {took.TotalSeconds:0.000} s after the partition, beyond --peer-timeout {PeerTimeoutSeconds} s + {FailBound.TotalSeconds} s");
        }

        _output.WriteLine("time to fail after the partition: " + string.Join(", ", fails));
        Assert.Empty(Hosts.A.ShmEntries());
        Assert.Empty(Hosts.B.ShmEntries());
    }

    [NetnsFact]
    public void A_partition_healed_well_before_the_peer_timeout_loses_and_duplicates_no_record()
    {
        const ulong iterations = 20000, elements = 100;
        const double peerTimeout = 5;   // the link is down for about a second: a fifth of it
        var children = StartAll(["pingpong", iterations.ToString(CultureInfo.InvariantCulture), elements.ToString(CultureInfo.InvariantCulture), "--json"], peerTimeout);
        WaitUntilRunning(children);

        // Down until TCP on host B has timed out a retransmission towards A (what it sent is lost:
        // the first timeout comes 0.2 s or more after the loss), then up again.
        long downAt = Stopwatch.GetTimestamp();
        NetnsHosts.SetLink(Hosts.A, up: false);
        try
        {
            WaitUntil(() => Hosts.B.RetransmitTimeoutsTo(Hosts.A.Address) > 0, "no retransmission timeout towards host A while the link was down");
            Assert.All(children, c => Assert.False(c.HasExited, "a process ended during the partition"));
        }
        finally
        {
            NetnsHosts.SetLink(Hosts.A, up: true);
        }

        var down = Stopwatch.GetElapsedTime(downAt);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"link down for {down.TotalSeconds:0.000} s (--peer-timeout {peerTimeout} s)"));
        long records = 0;
        for (int p = 0; p < 4; p++)
        {
            var (code, stdout, stderr) = children[p].Finish(CompletionDeadline);
            Assert.True(code == 0, $"process {p} exited {code} after a partition of {down.TotalSeconds:0.000} s: {stderr}");
            string json = stdout.Split('\n').Single(l => l.StartsWith('{'));
            using var summary = JsonDocument.Parse(json);
            records += summary.RootElement.GetProperty("records").GetInt64();
        }

        Assert.Equal((long)(elements * (iterations + 1)), records);   // every element passed the loop ITER + 1 times, no more, no less
        Assert.Empty(Hosts.A.ShmEntries());
        Assert.Empty(Hosts.B.ShmEntries());
    }

    /// <summary>Processes 0 and 1 on host A, 2 and 3 on host B, one hostfile naming the hosts' veth addresses.</summary>
    private NetnsHosts.Child[] StartAll(string[] workload, double peerTimeout)
    {
        string hostfile = Path.Combine(_dir, "hosts");
        File.WriteAllLines(hostfile, [$"{Hosts.A.Address}:7001", $"{Hosts.A.Address}:7002", $"{Hosts.B.Address}:7001", $"{Hosts.B.Address}:7002"]);
        return Enumerable.Range(0, 4).Select(p => Hosts.Start(
            p < 2 ? Hosts.A : Hosts.B,
            [.. workload, "-n", "4", "-p", p.ToString(CultureInfo.InvariantCulture), "-h", hostfile, "--transport", "auto",
             "--connect-timeout", "30", "--peer-timeout", peerTimeout.ToString(CultureInfo.InvariantCulture)])).ToArray();
    }

    /// <summary>
    /// Until every process has finished set-up (its TCP send threads start after the shared-memory
    /// job and the TCP mesh are up) and records cross between the hosts (256 KiB on the veth).
    /// </summary>
    private void WaitUntilRunning(NetnsHosts.Child[] children)
    {
        WaitUntil(() => children.All(c => c.HasExited || c.HasThread("timely:tcp-send")), "set-up did not finish");
        Assert.All(children, c => Assert.False(c.HasExited, "a process ended during set-up"));
        long before = Hosts.A.LinkBytes();
        WaitUntil(() => Hosts.A.LinkBytes() > before + (256 << 10) || children.Any(c => c.HasExited), "no traffic between the hosts");
        Assert.All(children, c => Assert.False(c.HasExited, "a process ended before the partition"));
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        var spinner = default(SpinWait);
        while (!condition())
        {
            Assert.True(clock.Elapsed < Deadline, $"{what} within {Deadline.TotalSeconds} s");
            spinner.SpinOnce();
        }
    }
}
