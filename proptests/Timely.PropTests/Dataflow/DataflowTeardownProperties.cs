using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow;
using Timely.Dataflow.Operators;
using TimelyConfig = Timely.Communication.Config;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// A dataflow that completes gives back its channels, and only its own: for random programs that
/// build dataflows, send into them and close them in any order while others run, on one worker
/// and on two (typed queues and bytes), the worker's channels and the allocator's agree after
/// every step, every dataflow's output is what its inputs give, and once all have completed
/// neither the worker nor the allocator holds a channel.
/// </summary>
public sealed class DataflowTeardownProperties
{
    // Head: the configuration. An action (Kind, Target, Value): 0 build a dataflow, 1 send Value into open dataflow
    // Target % open, 2 close it, 3 step Value % 4 times.
    private static Arbitrary<(int Head, (int Kind, int Target, int Value)[] Actions)> Programs() =>
        Generators.ActionPrograms(heads: (0, 3), lastKind: 3, lastTarget: 9, length: 40);

    private static TimelyConfig ConfigOf(int config) => config switch
    {
        0 => TimelyConfig.Thread,
        1 => TimelyConfig.Process(1),
        2 => TimelyConfig.Process(2),
        _ => TimelyConfig.ProcessBinary(2),
    };

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Completed_dataflows_give_back_their_channels_and_only_theirs() =>
        Prop.ForAll(Programs(), program =>
        {
            // seen[d]: what dataflow d's inspect saw on every worker; sent[d]: what was sent into it.
            var seen = new ConcurrentDictionary<int, ConcurrentBag<int>>();
            var sent = new ConcurrentDictionary<int, ConcurrentBag<int>>();
            var mismatches = new ConcurrentBag<string>();
            Execute.Run(ConfigOf(program.Head), worker =>
            {
                var open = new List<(int Id, InputHandle<ulong, int> Input)>();
                int built = 0;

                void Check(string when)
                {
                    if (worker.Allocator.HeldChannels != worker.ChannelCount)
                    {
                        mismatches.Add($"worker {worker.Index} {when}: allocator holds {worker.Allocator.HeldChannels}, worker {worker.ChannelCount}");
                    }
                }

                foreach (var (kind, target, value) in program.Actions)
                {
                    switch (kind)
                    {
                        case 0:
                            int id = built++;
                            var bag = seen.GetOrAdd(id, _ => new());
                            var input = InputHandle.Create<ulong, int>();
                            worker.Dataflow<ulong>(scope => scope.InputFrom(input)
                                .Exchange(x => (ulong)x)
                                .Iterate(loop => loop.Map(x => x / 2).Filter(x => x > 0))
                                .Inspect(bag.Add));
                            open.Add((id, input));
                            break;
                        case 1 when open.Count > 0:
                            var into = open[target % open.Count];
                            into.Input.Send(value);
                            sent.GetOrAdd(into.Id, _ => new()).Add(value);
                            break;
                        case 2 when open.Count > 0:
                            open[target % open.Count].Input.Close();
                            open.RemoveAt(target % open.Count);
                            break;
                        case 3:
                            for (int i = 0; i < value % 4; i++)
                            {
                                worker.Step();
                                Check("after a step");
                            }

                            break;
                    }
                }

                foreach (var (_, input) in open)
                {
                    input.Close();
                }

                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (worker.Step())
                {
                    Check("while finishing");
                    if (DateTime.UtcNow > deadline)
                    {
                        throw new TimeoutException("the dataflows did not complete");
                    }
                }

                if (worker.ChannelCount != 0 || worker.Allocator.HeldChannels != 0)
                {
                    mismatches.Add($"worker {worker.Index} at the end: worker {worker.ChannelCount}, allocator {worker.Allocator.HeldChannels}");
                }
            });

            // A record x passes the loop's output as x/2, x/4, ... down to 1.
            bool outputs = seen.All(kv =>
            {
                var expected = (sent.TryGetValue(kv.Key, out var s) ? s : new())
                    .SelectMany(x => Enumerable.Range(1, 7).Select(k => x >> k).Where(y => y > 0));
                return expected.Order().SequenceEqual(kv.Value.Order());
            });
            return (mismatches.IsEmpty && outputs)
                .Label($"outputs agree {outputs}; {string.Join("; ", mismatches.Take(3))}");
        });
}
