using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>Single-worker semantics: operators, probes, capabilities, loops, notifications.</summary>
public sealed class DataflowTests
{
    [Fact]
    public void Map_filter_inspect_see_every_record_once()
    {
        var seen = new List<int>();
        Execute.Directly(worker =>
        {
            worker.Dataflow<ulong>(scope =>
            {
                Enumerable.Range(0, 10).ToStream(scope)
                    .Map(x => x * 3)
                    .Filter(x => x % 2 == 0)
                    .Inspect(seen.Add);
            });
        });
        int[] expected = [0, 6, 12, 18, 24];
        Assert.Equal(expected, seen);
    }

    [Theory]
    [InlineData("array")]
    [InlineData("list")]
    [InlineData("iterator")]
    public void ToStream_sends_every_item_in_order_at_time_zero_in_full_batches(string source)
    {
        // Beyond two batches, so the array and list paths split a span where Give would have.
        int count = (2 * Message<ulong, int>.BatchSize) + 7;
        var items = Enumerable.Range(0, count).Select(i => (i * 7919) % 10007).ToArray();
        IEnumerable<int> input = source switch
        {
            "array" => items,
            "list" => items.ToList(),
            _ => items.Select(x => x),
        };
        var batches = new List<(ulong Time, int[] Records)>();
        Execute.Directly(worker =>
        {
            worker.Dataflow<ulong>(scope =>
            {
                input.ToStream(scope).InspectBatch((time, data) => batches.Add((time, data.ToArray())));
            });
        });

        Assert.Equal(items, batches.SelectMany(b => b.Records));
        Assert.All(batches, b => Assert.Equal(0UL, b.Time));
        int[] sizes = [Message<ulong, int>.BatchSize, Message<ulong, int>.BatchSize, 7];
        Assert.Equal(sizes, batches.Select(b => b.Records.Length));
    }

    [Fact]
    public void Probe_passes_a_time_only_after_its_records_arrived()
    {
        var seen = new List<(ulong, int)>();
        Execute.Directly(worker =>
        {
            var input = new InputHandle<ulong, int>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).InspectTime((t, x) => seen.Add((t, x))).ProbeWith(probe));

            Assert.True(probe.LessEqual(0));
            for (ulong round = 0; round < 5; round++)
            {
                input.Send((int)round);
                input.Send((int)round + 100);
                input.AdvanceTo(round + 1);
                worker.StepWhile(() => probe.LessThan(round + 1));
                Assert.Equal(2 * ((int)round + 1), seen.Count);
                Assert.False(probe.LessEqual(round));
                Assert.True(probe.LessEqual(round + 1));
            }

            input.Close();
            worker.StepWhile(() => !probe.Done);
            Assert.True(probe.Done);
        });
        Assert.Equal(10, seen.Count);
        Assert.All(seen, p => Assert.Equal((int)p.Item1, p.Item2 % 100));
    }

    [Fact]
    public void Held_capability_holds_the_frontier_until_downgraded_and_dropped()
    {
        Execute.Directly(worker =>
        {
            Capability<ulong>? held = null;
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope =>
            {
                Array.Empty<int>().ToStream(scope)
                    .Unary<ulong, int, int>(Pact<int>.Pipeline, "Holder", cap =>
                    {
                        held = cap;
                        return (input, output) =>
                        {
                            while (input.TryNext(out _, out _))
                            {
                            }
                        };
                    })
                    .ProbeWith(probe);
            });

            for (int i = 0; i < 10; i++)
            {
                worker.Step();
            }

            Assert.True(probe.LessEqual(0));
            var clone = held!.Clone();
            held.Downgrade(7);
            for (int i = 0; i < 10; i++)
            {
                worker.Step();
            }

            Assert.True(probe.LessEqual(0)); // the clone still holds 0
            clone.Dispose();
            worker.StepWhile(() => probe.LessThan(7));
            Assert.False(probe.LessThan(7));
            Assert.True(probe.LessEqual(7));
            Assert.Throws<InvalidOperationException>(() => held.Downgrade(3));
            held.Dispose();
            worker.StepWhile(() => !probe.Done);
            Assert.True(probe.Done);
            Assert.Throws<InvalidOperationException>(() => held.Time);
        });
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(10UL)]
    [InlineData(100UL)]
    public void Loop_terminates_exactly_at_iter(ulong iterations)
    {
        var exits = new List<(ulong Time, ulong Value)>();
        ulong passes = 0;
        Execute.Directly(worker =>
        {
            worker.Dataflow<ulong>(scope =>
            {
                var (handle, cycle) = scope.Feedback<ulong, ulong>(1);
                var (done, again) = new ulong[] { 0 }.ToStream(scope)
                    .Concat(cycle)
                    .Map(x => x + 1)
                    .Inspect(_ => passes++)
                    .BranchWhen(t => t < iterations);
                again.ConnectLoop(handle);
                done.InspectTime((t, x) => exits.Add((t, x)));
            });
        });
        Assert.Equal(iterations + 1, passes);
        Assert.Equal(new[] { (iterations, iterations + 1) }, exits);
    }

    [Fact]
    public void UnaryNotify_delivers_each_requested_time_once_in_order()
    {
        var notified = new List<ulong>();
        const ulong Iterations = 50;
        Execute.Directly(worker =>
        {
            worker.Dataflow<ulong>(scope =>
            {
                var (handle, cycle) = scope.Feedback<ulong, int>(1);
                cycle.UnaryNotify<ulong, int, int>(Pact<int>.Pipeline, "Barrier", [0UL], (input, output, notificator) =>
                {
                    while (notificator.TryNext(out var time, out var count))
                    {
                        Assert.Equal(1, count);
                        notified.Add(time);
                        if (time + 1 < Iterations)
                        {
                            notificator.NotifyAt(time + 1);
                        }
                    }
                }).ConnectLoop(handle);
            });
        });
        Assert.Equal(Enumerable.Range(0, (int)Iterations).Select(i => (ulong)i), notified);
    }

    [Fact]
    public void Notification_waits_for_records_at_its_time()
    {
        var events = new List<string>();
        Execute.Directly(worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
            {
                scope.InputFrom(input).UnaryNotify<ulong, int, int>(Pact<int>.Pipeline, "Count", [], (inp, output, notificator) =>
                {
                    while (inp.TryNext(out var cap, out var data))
                    {
                        events.Add($"data {cap.Time} x{data.Count}");
                        notificator.NotifyAt(cap.Retain());
                    }

                    while (notificator.TryNext(out var time, out var count))
                    {
                        events.Add($"done {time} x{count}");
                    }
                });
            });
            input.Send(1);
            input.Send(2);
            worker.Step();
            worker.Step();
            Assert.Equal(["data 0 x2"], events); // the input still holds time 0
            input.AdvanceTo(2);
            worker.StepWhile(() => events.Count < 2);
            Assert.Equal("done 0 x1", events[1]);
            input.Send(3);
            input.Close();
        });
        string[] expected = ["data 0 x2", "done 0 x1", "data 2 x1", "done 2 x1"];
        Assert.Equal(expected, events);
    }

    [Fact]
    public void BinaryNotify_waits_for_both_inputs()
    {
        var events = new List<string>();
        Execute.Directly(worker =>
        {
            var left = new InputHandle<ulong, int>();
            var right = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
            {
                scope.InputFrom(left).BinaryNotify<ulong, int, int, int>(scope.InputFrom(right), Pact<int>.Pipeline, Pact<int>.Pipeline, "Both", [5UL], (in1, in2, output, notificator) =>
                {
                    while (in1.TryNext(out var cap, out var data))
                    {
                        events.Add($"left {cap.Time} x{data.Count}");
                        notificator.NotifyAt(cap.Retain());
                    }

                    while (in2.TryNext(out var cap, out var data))
                    {
                        events.Add($"right {cap.Time} x{data.Count}");
                        notificator.NotifyAt(cap.Retain());
                    }

                    while (notificator.TryNext(out var time, out var count))
                    {
                        events.Add($"done {time} x{count}");
                    }
                });
            });
            left.Send(1);
            right.Send(2);
            left.AdvanceTo(3);
            worker.StepWhile(() => events.Count < 2);
            worker.Step();
            worker.Step();
            Assert.Equal(["left 0 x1", "right 0 x1"], events); // the right input still holds time 0
            right.AdvanceTo(3);
            worker.StepWhile(() => events.Count < 3);
            Assert.Equal("done 0 x2", events[2]);
            left.Close();
            right.Close();
        });
        string[] expected = ["left 0 x1", "right 0 x1", "done 0 x2", "done 5 x1"];
        Assert.Equal(expected, events);
    }

    [Fact]
    public void Binary_sees_both_inputs_and_frontiers()
    {
        var sums = new List<(ulong, int)>();
        Execute.Directly(worker =>
        {
            var a = new InputHandle<ulong, int>();
            var b = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope =>
            {
                var stash = new Dictionary<ulong, (int Sum, Capability<ulong> Cap)>();
                scope.InputFrom(a).Binary<ulong, int, int, int>(scope.InputFrom(b), Pact<int>.Pipeline, Pact<int>.Pipeline, "SumPerTime", (in1, in2, output) =>
                {
                    void Take(InputCapability<ulong> cap, List<int> data)
                    {
                        if (!stash.TryGetValue(cap.Time, out var entry))
                        {
                            entry = (0, cap.Retain());
                        }

                        stash[cap.Time] = (entry.Sum + data.Sum(), entry.Cap);
                    }

                    while (in1.TryNext(out var cap, out var data))
                    {
                        Take(cap, data);
                    }

                    while (in2.TryNext(out var cap, out var data))
                    {
                        Take(cap, data);
                    }

                    foreach (var time in stash.Keys.Order().ToArray())
                    {
                        if (!in1.Frontier.LessEqual(time) && !in2.Frontier.LessEqual(time))
                        {
                            var (sum, cap) = stash[time];
                            output.Session(cap).Give(sum);
                            cap.Dispose();
                            stash.Remove(time);
                        }
                    }
                }).InspectTime((t, s) => sums.Add((t, s)));
            });
            a.Send(1);
            b.Send(10);
            a.AdvanceTo(1);
            b.AdvanceTo(1);
            a.Send(2);
            b.Send(20);
            b.Send(200);
            a.Close();
            b.Close();
        });
        Assert.Equal(new[] { (0UL, 11), (1UL, 222) }, sums);
    }

    [Fact]
    public void Input_cannot_go_back_in_time_nor_send_when_closed()
    {
        Execute.Directly(worker =>
        {
            var (input, _) = worker.Dataflow<ulong, (InputHandle<ulong, int>, Stream<ulong, int>)>(scope => scope.NewInput<ulong, int>());
            input.AdvanceTo(5);
            Assert.Throws<InvalidOperationException>(() => input.AdvanceTo(4));
            input.Close();
            Assert.Throws<InvalidOperationException>(() => input.Send(1));
        });
    }

    [Fact]
    public void Input_records_leave_at_every_step_in_order_and_in_batches_of_the_batch_size()
    {
        // Send stages records in the handle: a step must still send them (no AdvanceTo, no
        // Flush), Send and SendBatch keep their order, and full batches are BatchSize long.
        const int Batch = Message<ulong, int>.BatchSize;
        var batches = new List<(ulong Time, int[] Data)>();
        Execute.Directly(worker =>
        {
            var input = new InputHandle<ulong, int>();
            Assert.Throws<InvalidOperationException>(() => input.Send(0));
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).InspectBatch((t, data) => batches.Add((t, data.ToArray()))));
            input.Send(0);
            input.Send(1);
            worker.Step();
            var first = Assert.Single(batches);
            Assert.Equal(0UL, first.Time);
            Assert.Equal([0, 1], first.Data);

            batches.Clear();
            input.Send(2);
            input.SendBatch(Enumerable.Range(3, (2 * Batch) - 3).ToArray());
            for (int x = 2 * Batch; x < (3 * Batch) + 5; x++)
            {
                input.Send(x);
            }

            input.AdvanceTo(1);
            input.Send(-1);
            input.Close();
            Assert.Throws<InvalidOperationException>(() => input.Send(1));
            Assert.Throws<InvalidOperationException>(() => input.SendBatch([1]));
        });
        Assert.Equal([Batch, Batch, Batch, 3, 1], batches.Select(b => b.Data.Length));
        Assert.Equal(Enumerable.Range(2, (3 * Batch) + 3), batches.Take(4).SelectMany(b => b.Data));
        Assert.All(batches.Take(4), b => Assert.Equal(0UL, b.Time));
        Assert.Equal(1UL, batches[4].Time);
        Assert.Equal([-1], batches[4].Data);
    }

    [Fact]
    public void Inputs_left_open_are_closed_when_the_worker_logic_returns()
    {
        var seen = new List<int>();
        var results = Execute.Run(Timely.Communication.Config.Process(2), worker =>
        {
            var input = new InputHandle<ulong, int>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(x => (ulong)x).Inspect(x =>
            {
                lock (seen)
                {
                    seen.Add(x);
                }
            }));
            input.Send(worker.Index);
            return input;
        });
        Assert.All(results, handle => Assert.True(handle.IsClosed));
        int[] expected = [0, 1];
        Assert.Equal(expected, seen.Order());
    }

    [Fact]
    public void A_stream_read_by_several_operators_gives_each_every_record()
    {
        var a = new List<int>();
        var b = new List<int>();
        var c = new List<int>();
        Execute.Directly(worker =>
        {
            worker.Dataflow<ulong>(scope =>
            {
                var source = Enumerable.Range(0, 3000).ToStream(scope);
                source.Inspect(a.Add);
                source.Concat(source).Inspect(b.Add);
                source.Map(x => -x).Inspect(c.Add);
            });
        });
        Assert.Equal(Enumerable.Range(0, 3000), a);
        Assert.Equal(Enumerable.Range(0, 3000).Concat(Enumerable.Range(0, 3000)).Order(), b.Order());
        Assert.Equal(Enumerable.Range(0, 3000).Select(x => -x), c);
    }

    [Fact]
    public void Feedback_drops_records_whose_time_would_overflow()
    {
        var seen = new List<(ulong, int)>();
        Execute.Directly(worker =>
        {
            worker.Dataflow<ulong>(scope =>
            {
                var (handle, cycle) = scope.Feedback<ulong, int>(ulong.MaxValue - 1);
                int[] records = [1, 2];
                records.ToStream(scope).Concat(cycle).InspectTime((t, x) => seen.Add((t, x))).ConnectLoop(handle);
            });
        });

        // Time 0 + (MAX - 1) exists; once more would overflow, so each record passes twice.
        (ulong, int)[] expected = [(0, 1), (0, 2), (ulong.MaxValue - 1, 1), (ulong.MaxValue - 1, 2)];
        Assert.Equal(expected, seen);
    }

    [Fact]
    public void One_probe_handle_on_two_streams_waits_for_both()
    {
        Execute.Directly(worker =>
        {
            var a = new InputHandle<ulong, int>();
            var b = new InputHandle<ulong, int>();
            var probe = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope =>
            {
                scope.InputFrom(a).ProbeWith(probe);
                scope.InputFrom(b).ProbeWith(probe);
            });
            a.AdvanceTo(5);
            b.AdvanceTo(3);
            worker.StepWhile(() => probe.LessThan(3));
            for (int i = 0; i < 5; i++)
            {
                worker.Step();
            }

            Assert.True(probe.LessThan(4)); // b still holds 3
            Assert.Equal([3UL], probe.Frontier().Order());
            b.Close();
            worker.StepWhile(() => probe.LessThan(5));
            Assert.Equal([5UL], probe.Frontier());
            a.Close();
            worker.StepWhile(() => !probe.Done);
            Assert.Empty(probe.Frontier());
        });
    }

    [Fact]
    public void A_probes_frontier_view_is_its_frontier_read_in_place_with_nothing_allocated_once_warm()
    {
        Execute.Directly(worker =>
        {
            var a = new InputHandle<ulong, int>();
            var b = new InputHandle<ulong, int>();
            var one = new ProbeHandle<ulong>();
            var two = new ProbeHandle<ulong>();
            worker.Dataflow<ulong>(scope =>
            {
                scope.InputFrom(a).ProbeWith(one).ProbeWith(two);
                scope.InputFrom(b).ProbeWith(two);
            });
            ulong[] seen = new ulong[2];
            foreach (var (ta, tb) in new[] { (5UL, 3UL), (7UL, 9UL), (12UL, 10UL) })
            {
                a.AdvanceTo(ta);
                b.AdvanceTo(tb);
                worker.StepWhile(() => one.LessThan(ta) || two.LessThan(Math.Min(ta, tb)));
                Assert.Equal(one.Frontier(), one.FrontierView().ToArray());
                Assert.Equal(two.Frontier(), two.FrontierView().ToArray());
                Assert.Equal([Math.Min(ta, tb)], two.FrontierView().ToArray());

                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 1000; i++)
                {
                    seen[0] = one.FrontierView()[0];
                    seen[1] = two.FrontierView()[0];
                }

                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
                Assert.Equal([ta, Math.Min(ta, tb)], seen);
            }

            a.Close();
            b.Close();
            worker.StepWhile(() => !two.Done);
            Assert.True(one.FrontierView().IsEmpty && two.FrontierView().IsEmpty);
        });
    }

    [Fact]
    public void A_loop_without_advancing_summary_is_refused()
    {
        Execute.Directly(worker =>
        {
            var error = Assert.Throws<InvalidOperationException>(() => worker.Dataflow<ulong>(scope =>
            {
                var (handle, cycle) = scope.Feedback<ulong, int>(0);
                cycle.Map(x => x).ConnectLoop(handle);
            }));
            Assert.Contains("does not advance time", error.Message, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(ProgressMode.Eager)]
    [InlineData(ProgressMode.Demand)]
    public void Both_progress_modes_lose_nothing_when_records_cross_workers(ProgressMode mode)
    {
        var seen = new System.Collections.Concurrent.ConcurrentBag<(ulong, int)>();
        var batches = Execute.Run(Timely.Communication.Config.Process(2), worker =>
        {
            worker.ProgressMode = mode;
            var input = new InputHandle<ulong, int>();
            var probe = new ProbeHandle<ulong>();
            var scope = worker.Dataflow<ulong, Scope<ulong>>(scope =>
            {
                scope.InputFrom(input).Exchange(x => (ulong)x).InspectTime((t, x) => seen.Add((t, x))).ProbeWith(probe);
                return scope;
            });

            // Records at time 0 cross to the other worker while both inputs still hold 0: the
            // counts change, but no frontier can, so demand mode need not tell anyone.
            for (int i = 0; i < 50; i++)
            {
                input.Send((2 * i) + worker.Index);
                input.Send((2 * i) + 1 - worker.Index);
                worker.Step();
            }

            input.AdvanceTo(1);
            while (probe.LessThan(1))
            {
                worker.StepOrPark(TimeSpan.FromMilliseconds(100));
            }

            input.Close();
            while (!probe.Done)
            {
                worker.StepOrPark(TimeSpan.FromMilliseconds(100));
            }

            return scope.ProgressBatchesSent;
        });

        Assert.Equal(Enumerable.Range(0, 200).Select(i => (0UL, i / 2)), seen.Order());
        // How many batches each mode sends depends on the interleaving, in timely as here:
        // demand mode's is_global rule (not dominated, count <= 1 in this worker's local
        // implications) and eager's cancellations within a step both vary with what each
        // worker has seen (demand sent under 12 batches in most runs, 36 and 43 in others). What holds for
        // every interleaving: both modes send progress, and nothing is lost (above).
        Assert.All(batches, sent => Assert.True(sent >= 1, $"{mode} mode sent {sent} progress batches"));
    }
}
