using System.Collections.Concurrent;
using System.Threading.Channels;
using Timely.Communication;
using Timely.Communication.Wakeup;
using Timely.Dataflow.Operators;
using Timely.Testing;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.Dataflow.Tests;

/// <summary>
/// The async boundaries: a source over a <see cref="ChannelReader{T}"/> or an
/// <see cref="IAsyncEnumerable{T}"/>, a sink into a <see cref="ChannelWriter{T}"/>, and
/// <see cref="Execute.RunAsync{TResult}(Config, Func{Worker, TResult}, CancellationToken)"/> with
/// its cancellation on every transport.
/// </summary>
public sealed class AsyncBoundaryTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly string _root = Path.Combine(JobDirectory.DefaultRoot, "timely-tests-async-" + Guid.NewGuid().ToString("N")[..12]);

    public AsyncBoundaryTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Every worker reads the one channel, exchanges by value and writes (time, record) to the output.</summary>
    private static Action<Worker> Pipeline(ChannelReader<int> input, ChannelWriter<(ulong Time, int Record)> output) => worker =>
        worker.Dataflow<ulong>(scope => scope.SourceFrom(input, r => (ulong)(r / 10)).Exchange(r => r).WriteTo(output));

    [Fact]
    public async Task A_channel_source_sends_each_record_at_its_time_and_the_run_ends_when_the_channel_completes()
    {
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateUnbounded<(ulong Time, int Record)>();
        var run = Execute.RunAsync(Config.Process(2), Pipeline(input.Reader, output.Writer));
        for (int r = 0; r < 100; r++)
        {
            await input.Writer.WriteAsync(r);
        }

        input.Writer.Complete();
        await run.WaitAsync(Guard);
        output.Writer.Complete();
        var got = new List<(ulong, int)>();
        await foreach (var item in output.Reader.ReadAllAsync())
        {
            got.Add(item);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(r => ((ulong)(r / 10), r)), got.OrderBy(x => x.Item2));
    }

    [Fact]
    public async Task A_parked_worker_wakes_when_a_record_arrives_and_its_time_moves_as_the_records_say()
    {
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateUnbounded<(ulong Time, int Record)>();
        var bell = new TaskCompletionSource<Doorbell>(TaskCreationOptions.RunContinuationsAsynchronously);
        var frontiers = new ConcurrentQueue<ulong[]>();
        var run = Execute.RunAsync(Config.Process(1), worker =>
        {
            bell.SetResult(((ProcessAllocator)worker.Allocator).Doorbell);
            worker.Dataflow<ulong>(scope => scope.SourceFrom(input.Reader, r => (ulong)r).WriteTo(output.Writer));
        });
        var doorbell = await bell.Task.WaitAsync(Guard);
        long parks = 0;   // a new allocator's doorbell: no park yet
        for (int r = 0; r < 3; r++)
        {
            // Wait until the worker has slept since it was last woken, so only the record's
            // arrival can wake it. (Reading the count first and waiting for it to change would
            // wait for ever when the worker is already asleep.)
            var deadline = DateTime.UtcNow + Guard;
            while (doorbell.Parks <= parks)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the worker did not park within {Guard} before record {r}");
                await Task.Delay(1);
            }

            parks = doorbell.Parks;
            await input.Writer.WriteAsync(r);
            var (time, record) = await output.Reader.ReadAsync().AsTask().WaitAsync(Guard);
            Assert.Equal(((ulong)r, r), (time, record));
        }

        input.Writer.Complete();
        await run.WaitAsync(Guard);
    }

    [Fact]
    public async Task A_record_earlier_than_the_source_time_fails_the_run_naming_both_times()
    {
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateUnbounded<(ulong Time, int Record)>();
        await input.Writer.WriteAsync(5);
        await input.Writer.WriteAsync(3);
        input.Writer.Complete();
        var e = await Assert.ThrowsAsync<AggregateException>(() => Execute.RunAsync(Config.Thread, worker =>
            worker.Dataflow<ulong>(scope => scope.SourceFrom(input.Reader, r => (ulong)r).WriteTo(output.Writer))).WaitAsync(Guard));
        var error = Assert.IsType<InvalidOperationException>(Assert.Single(e.InnerExceptions));
        Assert.Contains("time 3 arrived after the source moved to time 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_completed_with_an_exception_fails_the_worker_with_it()
    {
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateUnbounded<(ulong Time, int Record)>();
        input.Writer.Complete(new InvalidDataException("the feed broke"));
        var e = await Assert.ThrowsAsync<AggregateException>(() => Execute.RunAsync(Config.Thread, worker =>
            worker.Dataflow<ulong>(scope => scope.SourceFrom(input.Reader, r => (ulong)r).WriteTo(output.Writer))).WaitAsync(Guard));
        Assert.Equal("the feed broke", Assert.IsType<InvalidDataException>(Assert.Single(e.InnerExceptions)).Message);
    }

    [Fact]
    public async Task An_async_enumerable_source_sends_every_item_at_its_time()
    {
        static async IAsyncEnumerable<int> Items()
        {
            for (int r = 0; r < 50; r++)
            {
                await Task.Yield();
                yield return r;
            }
        }

        var output = Channel.CreateUnbounded<(ulong Time, int Record)>();
        await Execute.RunAsync(Config.Thread, worker =>
            worker.Dataflow<ulong>(scope => scope.SourceFrom(Items(), r => (ulong)(r / 7), capacity: 4).WriteTo(output.Writer))).WaitAsync(Guard);
        output.Writer.Complete();
        var got = new List<(ulong, int)>();
        await foreach (var item in output.Reader.ReadAllAsync())
        {
            got.Add(item);
        }

        Assert.Equal(Enumerable.Range(0, 50).Select(r => ((ulong)(r / 7), r)), got);
    }

    [Fact]
    public async Task A_full_bounded_output_channel_holds_the_worker_until_the_reader_makes_room()
    {
        var output = Channel.CreateBounded<(ulong Time, int Record)>(2);
        var run = Execute.RunAsync(Config.Thread, worker =>
            worker.Dataflow<ulong>(scope => Enumerable.Range(0, 20).ToStream(scope).WriteTo(output.Writer)));
        var got = new List<int>();
        while (got.Count < 20)
        {
            got.Add((await output.Reader.ReadAsync().AsTask().WaitAsync(Guard)).Record);
        }

        await run.WaitAsync(Guard);
        Assert.Equal(Enumerable.Range(0, 20), got);
    }

    [Fact]
    public async Task Writing_to_a_completed_output_channel_fails_the_worker_by_name()
    {
        var output = Channel.CreateUnbounded<(ulong Time, int Record)>();
        output.Writer.Complete();
        var e = await Assert.ThrowsAsync<AggregateException>(() => Execute.RunAsync(Config.Thread, worker =>
            worker.Dataflow<ulong>(scope => Enumerable.Repeat(1, 1).ToStream(scope).WriteTo(output.Writer))).WaitAsync(Guard));
        Assert.IsType<ChannelClosedException>(Assert.Single(e.InnerExceptions));
    }

    public static TheoryData<string> Transports => new() { "thread", "process", "process-binary", "shm", "tcp" };

    /// <summary>
    /// Cancellation on every transport: the source's channel never completes, so only the
    /// token ends the run; it ends cancelled, with every worker thread ended and, for shared
    /// memory, the job's directory gone.
    /// </summary>
    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Cancelling_RunAsync_closes_the_inputs_and_ends_every_worker_leaving_no_file(string transport)
    {
        var configs = ConfigsFor(transport);
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateUnbounded<(ulong Time, int Record)>();
        using var cancel = new CancellationTokenSource();
        var threads = new ConcurrentBag<Thread>();
        var runs = configs.Select(config => Execute.RunAsync(config, worker =>
        {
            threads.Add(Thread.CurrentThread);
            Pipeline(input.Reader, output.Writer)(worker);
        }, cancel.Token)).ToArray();

        int peers = configs[0].Peers;
        for (int r = 0; r < 10; r++)
        {
            await input.Writer.WriteAsync(r);
        }

        // The records flow before the stop: all ten come out.
        for (int r = 0; r < 10; r++)
        {
            await output.Reader.ReadAsync().AsTask().WaitAsync(Guard);
        }

        cancel.Cancel();
        foreach (var run in runs)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Guard));
        }

        Assert.Equal(peers, threads.Count);
        Assert.All(threads, t => Assert.False(t.IsAlive, $"{t.Name} still runs"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root));
    }

    private Config[] ConfigsFor(string transport) => transport switch
    {
        "thread" => [Config.Thread],
        "process" => [Config.Process(2)],
        "process-binary" => [Config.ProcessBinary(2)],
        "shm" or "tcp" => ClusterOf(transport == "shm" ? TransportKind.Shm : TransportKind.Tcp),
        _ => throw new ArgumentOutOfRangeException(nameof(transport)),
    };

    private Config[] ClusterOf(TransportKind transport)
    {
        var addresses = FreePorts.Loopback(2);
        var job = "async-" + Guid.NewGuid().ToString("N")[..12];
        return [.. Enumerable.Range(0, 2).Select(p => Config.Cluster(1, p, addresses, transport) with
        {
            ShmDirectory = _root,
            JobName = job,
            ConnectTimeout = TimeSpan.FromSeconds(20),
        })];
    }

    [Fact]
    public async Task A_worker_whose_dataflow_does_not_drain_stops_after_the_stop_timeout_with_OperationCanceledException()
    {
        using var cancel = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = Config.Process(2) with { StopTimeout = TimeSpan.FromMilliseconds(200) };

        // A source that never gives up its capability: cancellation cannot drain it.
        await using var guards = Execute.Start(config, worker =>
        {
            worker.Dataflow<ulong>(scope => scope.Source<ulong, int>("Forever", (cap, _) => _ => started.TrySetResult()).Probe());
            return 0;
        }, cancel.Token);
        await started.Task.WaitAsync(Guard);
        cancel.Cancel();
        var results = await guards.JoinAsync().WaitAsync(Guard);
        Assert.All(results, r => Assert.False(r.IsOk));
        Assert.Contains(results, r => r.Error is OperationCanceledException oce && oce.Message.Contains("stop timeout (0.2 s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sending_to_an_input_the_cancellation_closed_ends_the_logic_with_OperationCanceledException()
    {
        using var cancel = new CancellationTokenSource();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Execute.RunAsync(Config.Thread, worker =>
        {
            var input = InputHandle.Create<int>();
            var probe = worker.Dataflow(scope => scope.InputFrom(input).Probe());
            for (ulong round = 0; ; round++)
            {
                input.Send(1);
                input.AdvanceTo(round + 1);
                worker.StepWhile(() => probe.LessThan(input.Time));
                running.TrySetResult();
            }
        }, cancel.Token);
        await running.Task.WaitAsync(Guard);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Guard));
    }

    [Fact]
    public async Task JoinAsync_gives_the_results_in_worker_order_without_blocking()
    {
        await using var guards = Execute.Start(Config.Process(3), worker => worker.Index * 10);
        var results = await guards.JoinAsync().WaitAsync(Guard);
        Assert.Equal([0, 10, 20], results.Select(r => r.Value));
    }

    [Fact]
    public async Task An_already_cancelled_token_starts_nothing()
    {
        bool ran = false;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Execute.RunAsync(Config.Thread, _ => ran = true, new CancellationToken(canceled: true)));
        Assert.False(ran);
    }
}
