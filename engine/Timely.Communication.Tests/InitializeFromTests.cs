namespace Timely.Communication.Tests;

/// <summary>
/// <see cref="Workers.InitializeFrom{T}"/> and <see cref="Workers.Build"/> (timely's
/// <c>initialize_from</c> and <c>try_build</c>): where builders run, the order of a worker's
/// life, what is refused, and workers run on an embedding's own threads.
/// </summary>
public sealed class InitializeFromTests
{
    [Fact]
    public void Build_gives_one_builder_per_local_worker_with_its_global_index()
    {
        var (builders, others) = Workers.Build(Config.Process(3));
        using (others)
        {
            Assert.Equal([0, 1, 2], builders.Select(b => b.Index));
            var results = WorkerRun.Join(Workers.InitializeFrom(builders, null, a => (a.Index, a.Peers)), "process(3) from builders");
            Assert.Equal(["Ok((0, 3))", "Ok((1, 3))", "Ok((2, 3))"], results.Select(r => r.ToString()));
        }
    }

    [Fact]
    public void A_built_in_builder_builds_once()
    {
        var (builders, others) = Workers.Build(Config.Thread);
        using var allocator = builders[0].Build();
        Assert.Throws<InvalidOperationException>(() => builders[0].Build());
        others?.Dispose();
    }

    [Fact]
    public void Each_worker_builds_on_its_own_thread_and_the_life_runs_in_order()
    {
        var (inner, others) = Workers.Build(Config.Process(2));
        var builders = inner.Select(b => new RecordingBuilder(b)).ToArray();
        var results = WorkerRun.Join(
            Workers.InitializeFrom(builders, others, a =>
            {
                builders[a.Index].Log.Add("logic");
                return Environment.CurrentManagedThreadId;
            }),
            "recorded builders");

        for (int w = 0; w < 2; w++)
        {
            Assert.Equal(["build", "logic", "finished"], builders[w].Log);
            Assert.Equal(results[w].Value, builders[w].BuildThread);
            Assert.NotEqual(Environment.CurrentManagedThreadId, builders[w].BuildThread);
        }

        Assert.NotEqual(builders[0].BuildThread, builders[1].BuildThread);
    }

    [Fact]
    public void Others_is_disposed_once_after_every_worker_ended()
    {
        var (builders, shared) = Workers.Build(Config.Process(2));
        var ended = new int[2];
        var others = new DisposeProbe(() => Assert.All(ended, e => Assert.Equal(1, e)), shared);
        var guards = Workers.InitializeFrom(builders, others, a => Interlocked.Exchange(ref ended[a.Index], 1));
        Assert.Equal(0, others.Disposals);
        WorkerRun.Join(guards, "process(2) with a probe");
        guards.Dispose();
        Assert.Equal(1, others.Disposals);
        Assert.Null(others.CheckFailure);
    }

    [Fact]
    public void A_builder_that_throws_ends_its_worker_and_the_others_stop_with_peer_failed()
    {
        var (inner, others) = Workers.Build(Config.Process(2));
        var failing = new RecordingBuilder(inner[1]) { BuildError = new InvalidOperationException("no transport today") };
        var builders = new AllocatorBuilder[] { new RecordingBuilder(inner[0]), failing };
        var results = WorkerRun.Join(
            Workers.InitializeFrom(builders, others, a =>
            {
                var (_, receiver) = a.Allocate<string>(0);
                WorkerRun.ReceiveExactly(a, receiver, 1, _ => { });   // nobody sends: only the failure ends this
                return 0;
            }),
            "a failing builder");

        Assert.Equal(1, results[1].Worker);
        Assert.Same(failing.BuildError, results[1].Error);
        Assert.Equal(["build", "failed: no transport today", "finished"], failing.Log);
        var peer = Assert.IsType<PeerFailedException>(results[0].Error);
        Assert.Equal(1, peer.FailedWorker);

        // The builder that did not build handed nothing out; its allocator is still unbuilt.
        using var leftover = inner[1].Build();
        Assert.Equal(1, leftover.Index);
    }

    [Fact]
    public void An_allocator_for_another_worker_ends_that_worker()
    {
        var (inner, others) = Workers.Build(Config.Process(2));
        var builders = new AllocatorBuilder[] { new RecordingBuilder(inner[1], index: 0), new RecordingBuilder(inner[0], index: 1) };
        var results = WorkerRun.Join(Workers.InitializeFrom(builders, others, a => a.Index), "swapped builders");
        Assert.All(results, r => Assert.IsType<InvalidOperationException>(r.Error));
        Assert.Contains("the builder for worker 0 built an allocator for worker 1", results[0].Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_notification_that_throws_becomes_the_result_of_a_worker_that_was_ok()
    {
        var (inner, others) = Workers.Build(Config.Thread);
        var builder = new RecordingBuilder(inner[0]) { FinishError = new InvalidOperationException("finish hook broke") };
        var results = WorkerRun.Join(Workers.InitializeFrom([builder], others, a => 7), "a throwing finish hook");
        Assert.Same(builder.FinishError, results[0].Error);
    }

    [Fact]
    public void Builders_for_workers_out_of_order_or_null_are_refused()
    {
        var (inner, others) = Workers.Build(Config.Process(3));
        using (others)
        {
            var gap = new AllocatorBuilder[] { inner[0], inner[2] };
            var error = Assert.Throws<ArgumentException>(() => Workers.InitializeFrom(gap, null, a => 0));
            Assert.Contains("builder 1 is for worker 2, expected 1", error.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => Workers.InitializeFrom(new AllocatorBuilder[] { inner[0], null! }, null, a => 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new RecordingBuilder(inner[0], index: -1));
            foreach (var b in inner)
            {
                b.Build().Dispose();
            }
        }
    }

    [Fact]
    public void No_builders_start_no_workers()
    {
        var others = new DisposeProbe(() => { }, null);
        using (var guards = Workers.InitializeFrom(Array.Empty<AllocatorBuilder>(), others, a => 0))
        {
            Assert.Empty(guards.Join());
            Assert.Equal(0, guards.Count);
        }

        Assert.Equal(1, others.Disposals);
    }

    [Fact]
    public void An_embedding_runs_the_builders_on_its_own_threads()
    {
        // What an embedding with a thread pool of its own does instead of InitializeFrom:
        // Build, logic, Dispose, (OnFailed), OnFinished on each of its threads, then Others.
        var (builders, others) = Workers.Build(Config.Process(2));
        var received = new string[2][];
        var threads = builders.Select(builder => new TestThread(() =>
        {
            using (var allocator = builder.Build())
            {
                var (senders, receiver) = allocator.Allocate<string>(0);
                for (int t = 0; t < senders.Length; t++)
                {
                    string? m = $"{allocator.Index}->{t}";
                    senders[t].Push(ref m);
                    senders[t].Done();
                }

                var got = new List<string>();
                WorkerRun.ReceiveExactly(allocator, receiver, allocator.Peers, got.Add);
                received[allocator.Index] = [.. got.Order(StringComparer.Ordinal)];
            }

            builder.OnFinished();
        })).ToArray();

        Assert.All(threads, t => Assert.True(t.Join(WorkerRun.Deadline)));
        others?.Dispose();
        Assert.Equal(["0->0", "1->0"], received[0]);
        Assert.Equal(["0->1", "1->1"], received[1]);
    }

    /// <summary>Wraps a builder, logs its life, and can fail on purpose or claim another index.</summary>
    private sealed class RecordingBuilder(AllocatorBuilder inner, int? index = null) : AllocatorBuilder(index ?? inner.Index)
    {
        public List<string> Log { get; } = [];

        public int BuildThread { get; private set; }

        public Exception? BuildError { get; init; }

        public Exception? FinishError { get; init; }

        public override Allocator Build()
        {
            Log.Add("build");
            BuildThread = Environment.CurrentManagedThreadId;
            return BuildError is null ? inner.Build() : throw BuildError;
        }

        public override void OnFailed(Exception error)
        {
            Log.Add($"failed: {error.Message}");
            inner.OnFailed(error);
        }

        public override void OnFinished()
        {
            Log.Add("finished");
            inner.OnFinished();
            if (FinishError is not null)
            {
                throw FinishError;
            }
        }
    }

    /// <summary>Counts disposals and runs a check at the first; disposes what it wraps.</summary>
    private sealed class DisposeProbe(Action check, IDisposable? inner) : IDisposable
    {
        public int Disposals { get; private set; }

        public Exception? CheckFailure { get; private set; }

        public void Dispose()
        {
            if (Disposals++ == 0)
            {
                CheckFailure = Record.Exception(check);
            }

            inner?.Dispose();
        }
    }
}
