using Timely.Communication.Fabrics;
using Timely.Testing;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.Communication.Tests;

/// <summary>
/// <c>--transport auto</c>: processes meet over TCP and learn each other's host identity;
/// all on one host run over shared memory, otherwise over TCP. The identity is overridden
/// here to play two hosts on one machine.
/// </summary>
public sealed class AutoTransportTests : IDisposable
{
    private readonly string _root = Path.Combine(JobDirectory.DefaultRoot, "timely-tests-auto-" + Guid.NewGuid().ToString("N")[..12]);

    public AutoTransportTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Auto_picks_shared_memory_on_one_host_and_tcp_across_hosts(bool twoHosts)
    {
        var config = Config.Cluster(2, 0, FreePorts.Loopback(2), TransportKind.Auto) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            JobName = "auto-" + Guid.NewGuid().ToString("N")[..12],
            ShmDirectory = _root,
        };
        var processes = Enumerable.Range(0, 2).Select(p => Task.Factory.StartNew(
            () =>
            {
                var mine = config with { ProcessIndex = p, HostIdentity = twoHosts ? $"host-{p}" : "one-host" };
                using var guards = Workers.Initialize(mine, Greet);
                var results = guards.Join();
                return (Tcp: guards.Shared is TcpFabric, Results: results);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        var outcomes = await Task.WhenAll(processes).WaitAsync(WorkerRun.Deadline);
        foreach (var p in outcomes)
        {
            Assert.Equal(twoHosts, p.Tcp);
            foreach (var r in p.Results)
            {
                Assert.True(r.IsOk, r.ToString());
                Assert.Equal(string.Join(";", Enumerable.Range(0, 4).Select(s => $"hello {r.Worker} from {s}")), r.Value);
            }
        }
    }

    [Fact]
    public async Task Auto_mixes_shared_memory_within_a_host_and_tcp_across_hosts_in_one_job()
    {
        // Processes 0 and 1 claim one host, process 2 another: 0 <-> 1 over shared memory,
        // both <-> 2 over TCP; every worker still greets every worker.
        const int processes = 3;
        const int threads = 2;
        var config = Config.Cluster(threads, 0, FreePorts.Loopback(processes), TransportKind.Auto) with
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            JobName = "auto-" + Guid.NewGuid().ToString("N")[..12],
            ShmDirectory = _root,
            RingBytes = 8192,
        };
        string hostA = JobDirectory.PathFor(_root, AutoFabric.HostJobName(config, Timely.Transport.Tcp.TcpOptions.JobIdOf("host-a")));
        var runs = Enumerable.Range(0, processes).Select(p => Task.Factory.StartNew(
            () =>
            {
                var mine = config with { ProcessIndex = p, HostIdentity = p < 2 ? "host-a" : "host-b" };
                using var guards = Workers.Initialize(mine, Greet);
                string transport = guards.Shared switch
                {
                    AutoFabric auto => $"mixed {string.Join(",", auto.HostGroup)} in {auto.Job.Path}",
                    TcpFabric => "tcp",
                    _ => guards.Shared?.GetType().Name ?? "none",
                };
                return (Transport: transport, Results: guards.Join());
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        var outcomes = await Task.WhenAll(runs).WaitAsync(WorkerRun.Deadline);
        Assert.Equal([$"mixed 0,1 in {hostA}", $"mixed 0,1 in {hostA}", "tcp"], outcomes.Select(o => o.Transport));
        foreach (var r in outcomes.SelectMany(o => o.Results))
        {
            Assert.True(r.IsOk, r.ToString());
            Assert.Equal(string.Join(";", Enumerable.Range(0, processes * threads).Select(s => $"hello {r.Worker} from {s}").Order(StringComparer.Ordinal)), r.Value);
        }

        Assert.False(Directory.Exists(hostA), "the host group's job directory outlived the job");
    }

    /// <summary>Every worker greets every worker; returns the greetings this one got, sorted and joined.</summary>
    private static string Greet(Allocator allocator)
    {
        var (senders, receiver) = allocator.Allocate<string>(0);
        for (int t = 0; t < senders.Length; t++)
        {
            string? greeting = $"hello {t} from {allocator.Index}";
            senders[t].Push(ref greeting);
            senders[t].Done();
        }

        var got = new List<string>();
        WorkerRun.ReceiveExactly(allocator, receiver, allocator.Peers, got.Add);
        return string.Join(";", got.Order(StringComparer.Ordinal));
    }
}
