using System.Collections.Concurrent;
using Timely.Communication;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Tests;

/// <summary>
/// Nested scopes: iterative scopes with Product times, regions, enter/leave, loop
/// variables and Iterate, on one worker, two threads, and two workers over the serializing
/// allocator (which carries Product times through their wire codec).
/// </summary>
public sealed class NestedScopeTests
{
    private static readonly int[] Zero = [0];
    private static readonly int[] One = [1];
    private static readonly int[] FirstWorkerValues = [1, 2, 3, 10];
    private static readonly int[] SecondWorkerValues = [20];

    // 1: Thread; 2: two threads sharing memory; -2: two threads over serialized channels.
    internal static Config Workers(int count) => count switch
    {
        1 => Config.Thread,
        -2 => Config.ProcessBinary(2),
        _ => Config.Process(count),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-2)]
    public void Iterate_runs_each_record_round_by_round_and_leaves_at_the_outer_time(int workers) =>
        IterateRoundByRound(Workers(workers), [0UL, 1UL, 2UL, 3UL]);

    /// <summary>
    /// Value i is sent at <paramref name="times"/>[i] (on worker 0, for all but the last time) and
    /// goes round an Iterate loop as i + r in round r while i + r &lt; 6; what leaves is seen at
    /// its outer time, never after the probe has passed it.
    /// </summary>
    internal static void IterateRoundByRound<T>(Config config, T[] times)
    {
        var inside = new ConcurrentBag<(T Outer, ulong Round, int Value)>();
        var outside = new ConcurrentBag<(T Time, int Value)>();
        int violations = 0;
        Execute.Run(config, worker =>
        {
            var input = new InputHandle<T, int>();
            var probe = new ProbeHandle<T>();
            worker.Dataflow<T>(scope =>
                scope.InputFrom(input)
                    .Iterate(s => s
                        .Exchange(x => (ulong)x)
                        .InspectTime((t, x) => inside.Add((t.Outer, t.Inner, x)))
                        .Map(x => x + 1)
                        .Filter(x => x < 6))
                    .InspectTime((t, x) =>
                    {
                        if (!probe.LessEqual(t))
                        {
                            Interlocked.Increment(ref violations);
                        }

                        outside.Add((t, x));
                    })
                    .ProbeWith(probe));

            for (int i = 0; i + 1 < times.Length; i++)
            {
                if (worker.Index == 0)
                {
                    input.Send(i);
                }

                input.AdvanceTo(times[i + 1]);
                worker.StepWhile(() => probe.LessThan(input.Time));
                Assert.False(probe.LessThan(times[i + 1]));
            }
        });

        // Value i sent at times[i] is at round r as i + r, while i + r < 6 lets it go round again.
        var expectedInside = new List<(T, ulong, int)>();
        var expectedOutside = new List<(T, int)>();
        for (int i = 0; i + 1 < times.Length; i++)
        {
            for (int r = 0; i + r <= 5; r++)
            {
                expectedInside.Add((times[i], (ulong)r, i + r));
                if (i + r + 1 < 6)
                {
                    expectedOutside.Add((times[i], i + r + 1));
                }
            }
        }

        Assert.Equal(expectedInside.Order(), inside.Order());
        Assert.Equal(expectedOutside.Order(), outside.Order());
        Assert.Equal(0, violations);
    }

    [Theory]
    [InlineData(1, 11)]
    [InlineData(2, 12)]
    [InlineData(2, 13)]
    [InlineData(-2, 14)]
    public void Reachability_by_Iterate_matches_a_sequential_breadth_first_search(int workers, int seed)
    {
        var random = new Random(seed);
        const int Nodes = 60;
        var adjacency = Enumerable.Range(0, Nodes).Select(_ => new List<int>()).ToArray();
        for (int e = 0; e < 70; e++)
        {
            adjacency[random.Next(Nodes)].Add(random.Next(Nodes));
        }

        int[] roots = [0, 1];
        var reached = new ConcurrentBag<int>();
        Execute.Run(Workers(workers), worker =>
        {
            worker.Dataflow<ulong>(scope =>
            {
                var start = worker.Index == 0 ? roots : [];
                start.ToStream(scope)
                    .Iterate(frontier => frontier
                        .Exchange(n => (ulong)n)
                        .Unary<Product<ulong, ulong>, int, int>(Pact<int>.Pipeline, "NewNeighbours", DistinctNeighbours(adjacency)))
                    .Concat(start.ToStream(scope))
                    .Exchange(n => (ulong)n)
                    .Inspect(reached.Add);
            });
        });

        var expected = Bfs(adjacency, roots);
        Assert.Equal(expected.Order(), reached.Distinct().Order());
    }

    [Fact]
    public void Loop_that_does_not_advance_the_inner_coordinate_is_refused_when_built()
    {
        var error = Assert.ThrowsAny<Exception>(() => Execute.Directly(worker =>
            worker.Dataflow<ulong>(scope => scope.Iterative<ulong, uint>(inner =>
            {
                var (handle, cycle) = inner.LoopVariable<ulong, uint, int>(0);
                One.ToStream(scope).Enter(inner).Concat(cycle).Map(x => x + 1).ConnectLoop(handle);
            }))));
        var message = Flatten(error);
        Assert.Contains("does not advance time", message);
        Assert.Contains("Iterative", message);
    }

    [Fact]
    public void Loop_whose_inner_summary_advances_is_accepted_and_terminates()
    {
        var seen = new List<(Product<ulong, uint> Time, int Value)>();
        Execute.Directly(worker =>
            worker.Dataflow<ulong>(scope => scope.Iterative<ulong, uint>(inner =>
            {
                var (handle, cycle) = inner.LoopVariable<ulong, uint, int>(2);
                Zero.ToStream(scope).Enter(inner).Concat(cycle)
                    .InspectTime((t, x) => seen.Add((t, x)))
                    .Map(x => x + 1).Filter(x => x < 3).ConnectLoop(handle);
            })));
        Assert.Equal([(new Product<ulong, uint>(0, 0), 0), (new Product<ulong, uint>(0, 2), 1), (new Product<ulong, uint>(0, 4), 2)], seen);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Region_with_enter_and_leave_keeps_times_and_data(int workers)
    {
        var seen = new ConcurrentBag<(ulong Time, int Value)>();
        int violations = 0;
        Execute.Run(Workers(workers), worker =>
        {
            var input = new InputHandle<ulong, int>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope =>
            {
                var left = scope.Region(region =>
                    scope.InputFrom(input).Enter(region).Map(x => x * 10).Exchange(x => (ulong)x).Leave(scope));
                left.InspectTime((t, x) =>
                {
                    if (!probe.LessEqual(t))
                    {
                        Interlocked.Increment(ref violations);
                    }

                    seen.Add((t, x));
                }).ProbeWith(probe);
            });

            for (int round = 0; round < 4; round++)
            {
                input.Send((worker.Index * 100) + round);
                input.AdvanceTo((ulong)round + 1);
                worker.StepWhile(() => probe.LessThan(input.Time));
            }
        });

        var expected = Enumerable.Range(0, Math.Abs(workers)).SelectMany(w => Enumerable.Range(0, 4).Select(r => ((ulong)r, ((w * 100) + r) * 10)));
        Assert.Equal(expected.Order(), seen.Order());
        Assert.Equal(0, violations);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Iterative_scopes_nest_two_deep(int workers)
    {
        // Outer loop on x; inside each outer round an inner loop counts y up to x. x = 1 enters:
        // the inner loop yields (1,1), which makes x = 2 for outer round 1, whose inner loop yields
        // (2,1) and (2,2); 2 + 1 = 3 is filtered out and everything stops.
        var seen = new ConcurrentBag<(ulong Outer, ulong Middle, ulong Round, int X, int Y)>();
        var left = new ConcurrentBag<(ulong Time, int X)>();
        Execute.Run(Workers(workers), worker => worker.Dataflow<ulong>(scope =>
        {
            var start = worker.Index == 0 ? One : [];
            start.ToStream(scope).Iterate(xs =>
            {
                var pairs = xs.Map(x => (X: x, Y: 0)).Iterate(ps => ps
                    .Exchange(p => (ulong)p.Y)
                    .InspectTime((t, p) => seen.Add((t.Outer.Outer, t.Outer.Inner, t.Inner, p.X, p.Y)))
                    .Filter(p => p.Y < p.X)
                    .Map(p => (p.X, p.Y + 1)));
                return pairs.Filter(p => p.Y == p.X).Map(p => p.X + 1).Filter(x => x < 3);
            }).InspectTime((t, x) => left.Add((t, x)));
        }));

        (ulong, ulong, ulong, int, int)[] expected = [(0, 0, 0, 1, 0), (0, 0, 1, 1, 1), (0, 1, 0, 2, 0), (0, 1, 1, 2, 1), (0, 1, 2, 2, 2)];
        Assert.Equal(expected, seen.Order());
        Assert.Equal([(0UL, 2)], left.ToArray());
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 3)]
    public void Capture_inside_an_iterative_scope_replays_on_another_worker_count(int captureWorkers, int replayWorkers)
    {
        var files = Execute.Run(Workers(captureWorkers), worker =>
        {
            var bytes = new MemoryStream();
            var writer = new EventWriter<Product<ulong, ulong>, int>(bytes, leaveOpen: true);
            worker.Dataflow<ulong>(scope => scope.Iterative<ulong, ulong>(inner =>
            {
                var (handle, cycle) = inner.LoopVariable<ulong, ulong, int>(1);
                var values = worker.Index == 0 ? FirstWorkerValues : SecondWorkerValues;
                var round = values.ToStream(scope).Enter(inner).Concat(cycle).Exchange(x => (ulong)x);
                round.CaptureInto(writer);
                round.Map(x => x * 2).Filter(x => x < 30).ConnectLoop(handle);
            }));
            while (worker.Step())
            {
            }

            writer.Dispose();
            return bytes.ToArray();
        });

        var replayed = Execute.Run(Workers(replayWorkers), worker =>
        {
            var readers = files.OwnedBy(worker).Select(f => new EventReader<Product<ulong, ulong>, int>(new MemoryStream(f))).ToList();
            var queue = worker.Dataflow<Product<ulong, ulong>, CaptureQueue<Product<ulong, ulong>, int>>(scope => readers.ReplayInto(scope).Capture());
            while (worker.Step())
            {
            }

            return queue.Extract();
        });

        var merged = replayed.SelectMany(x => x).SelectMany(x => x.Data.Select(d => (x.Time, d))).Order().ToArray();
        var expected = new List<(Product<ulong, ulong>, int)>();
        foreach (var start in captureWorkers == 1 ? FirstWorkerValues : FirstWorkerValues.Concat(SecondWorkerValues))
        {
            ulong r = 0;
            for (int x = start; ; x *= 2, r++)
            {
                expected.Add((new Product<ulong, ulong>(0, r), x));
                if (x * 2 >= 30)
                {
                    break;
                }
            }
        }

        Assert.Equal(expected.Order(), merged);
    }

    private static Func<Capability<Product<ulong, ulong>>, Action<InputPort<Product<ulong, ulong>, int>, OutputPort<Product<ulong, ulong>, int>>> DistinctNeighbours(List<int>[] adjacency) =>
        cap =>
        {
            cap.Dispose();
            var seen = new HashSet<int>();
            return (input, output) =>
            {
                while (input.TryNext(out var time, out var data))
                {
                    var session = output.Session(time);
                    foreach (var node in data)
                    {
                        if (seen.Add(node))
                        {
                            foreach (var next in adjacency[node])
                            {
                                session.Give(next);
                            }
                        }
                    }
                }
            };
        };

    private static HashSet<int> Bfs(List<int>[] adjacency, int[] roots)
    {
        var reached = new HashSet<int>(roots);
        var queue = new Queue<int>(roots);
        while (queue.TryDequeue(out var node))
        {
            foreach (var next in adjacency[node])
            {
                if (reached.Add(next))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return reached;
    }

    private static string Flatten(Exception error) =>
        error.InnerException is null ? error.Message : error.Message + " | " + Flatten(error.InnerException);
}
