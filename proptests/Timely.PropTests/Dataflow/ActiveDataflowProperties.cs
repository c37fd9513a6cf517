using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// A worker steps only the dataflows something activated. The model is the rule it replaced:
/// every step runs every dataflow. Random programs over several dataflows (records sent, inputs
/// advanced and closed, records and closes posted from another thread, capabilities kept by the
/// caller and moved or dropped between steps) must show, after every action, the same records,
/// probe frontiers and completion under both rules: an activation path that is missing leaves
/// some dataflow behind the model.
/// </summary>
public sealed class ActiveDataflowProperties
{
    // Head: how many dataflows. An action (Kind, Target dataflow, Value): 0 send Value on the input, 1 advance the input, 2 close
    // it, 3 post Value from another thread to the remote source, 4 close the remote source from
    // another thread, 5 move the kept capability one time later, 6 drop it.
    private static Arbitrary<(int Head, (int Kind, int Target, int Value)[] Actions)> Programs() =>
        Generators.ActionPrograms(heads: (1, 4), lastKind: 6, lastTarget: 3, length: 30);

    /// <summary>What one dataflow exposes to the program, and what it has shown.</summary>
    private sealed class Flow
    {
        public InputHandle<ulong, int> Input = null!;
        public ProbeHandle<ulong> Probe = null!;
        public Scope<ulong> Scope = null!;
        public SyncActivator Remote = null!;
        public ConcurrentQueue<int> Posted = new();
        public Capability<ulong>? Kept;
        public List<(ulong Time, int Value)> Seen = new();
    }

    private static Flow Build(Worker worker, bool nested)
    {
        var flow = new Flow();
        worker.Dataflow<ulong>(scope =>
        {
            flow.Scope = scope;
            var (input, stream) = scope.NewInput<ulong, int>();
            flow.Input = input;
            var remote = scope.Source<ulong, int>("Remote", (capability, index) =>
            {
                flow.Remote = scope.SyncActivatorFor(index);
                Capability<ulong>? held = capability;
                return output =>
                {
                    while (held is not null && flow.Posted.TryDequeue(out int value))
                    {
                        if (value < 0)
                        {
                            held.Dispose();
                            held = null;
                        }
                        else
                        {
                            output.Session(held).Give(value);
                        }
                    }
                };
            });
            var kept = scope.Source<ulong, int>("Kept", (capability, _) =>
            {
                flow.Kept = capability;
                return _ => { };
            });
            var merged = stream.Concat(remote).Concat(kept);
            if (nested)
            {
                merged = scope.Region(inner => merged.Enter(inner).Map(x => x + 1).Leave(scope));
            }

            flow.Probe = merged.InspectTime((t, x) => flow.Seen.Add((t, x))).Probe();
        });
        return flow;
    }

    private static void Apply(Flow flow, int kind, int value)
    {
        switch (kind)
        {
            case 0 when !flow.Input.IsClosed:
                flow.Input.Send(value);
                break;
            case 1 when !flow.Input.IsClosed:
                flow.Input.AdvanceTo(flow.Input.Time + 1);
                break;
            case 2:
                flow.Input.Close();
                break;
            case 3 or 4:
                flow.Posted.Enqueue(kind == 3 ? value : -1);
                var post = new Thread(() => flow.Remote.Activate());
                post.Start();
                post.Join();
                break;
            case 5 when flow.Kept is { IsDropped: false } kept:
                kept.Downgrade(kept.Time + 1);
                break;
            case 6:
                flow.Kept?.Dispose();
                break;
        }
    }

    /// <summary>What the program can see of every dataflow: its records in order, its probe's frontier, whether it completed.</summary>
    private static string Observe(List<Flow> flows) =>
        string.Join(" | ", flows.Select(f =>
            $"[{string.Join(",", f.Seen)}] frontier [{string.Join(",", f.Probe.Frontier())}] {(f.Scope.IsComplete ? "complete" : "running")}"));

    /// <summary>Runs the program; after every action, a fixed number of steps and an observation.</summary>
    private static List<string> Run(int dataflows, (int Kind, int Dataflow, int Value)[] actions, bool everyDataflow)
    {
        const int stepsPerAction = 40;
        using var allocator = new ThreadAllocator();
        var worker = new Worker(allocator) { StepEveryDataflow = everyDataflow };
        var flows = new List<Flow>();
        for (int d = 0; d < dataflows; d++)
        {
            flows.Add(Build(worker, nested: d % 2 == 1));
        }

        var observed = new List<string>();
        void Settle()
        {
            for (int s = 0; s < stepsPerAction; s++)
            {
                worker.Step();
            }

            observed.Add(Observe(flows));
        }

        Settle();
        foreach (var (kind, d, value) in actions)
        {
            Apply(flows[d % dataflows], kind, value);
            Settle();
        }

        foreach (var flow in flows)
        {
            Apply(flow, 2, 0);
            Apply(flow, 4, 0);
            Apply(flow, 6, 0);
        }

        Settle();
        observed.Add(worker.HasDataflows ? "dataflows left" : "all complete");
        return observed;
    }

    [Property(MaxTest = 60)]
    public Property Stepping_only_active_dataflows_shows_what_stepping_all_of_them_shows()
    {
        return Prop.ForAll(Programs(), program =>
        {
            var (dataflows, actions) = program;
            var model = Run(dataflows, actions, everyDataflow: true);
            var active = Run(dataflows, actions, everyDataflow: false);
            int differs = Enumerable.Range(0, model.Count).FirstOrDefault(i => model[i] != active[i], -1);
            return (differs < 0 && model[^1] == "all complete")
                .Label(differs < 0 ? $"model ended with {model[^1]}" : $"after action {differs}: model {model[differs]} / active {active[differs]}");
        });
    }
}
