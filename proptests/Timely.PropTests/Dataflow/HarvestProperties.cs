using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;
using Timely.Dataflow.Scheduling;
using Timely.Dataflow.Scopes;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// A scope's harvest, which visits only the operators whose progress batches went from empty to
/// holding something since the last harvest, against the sum of every update made to any
/// operator's batches since then (what a harvest of every operator collects): for random
/// operators, ports, edges and interleavings of updates (cancelling ones among them), moves of a
/// whole batch into an operator's batch, and harvests, each harvest yields exactly that sum and
/// leaves every operator's batches empty.
/// </summary>
public sealed class HarvestProperties
{
    /// <summary>An action: kind 0 consumed, 1 internal, 2 produced, 3 a batch moved into an internal, 4 a harvest; on (operator, port) at a time, by a diff.</summary>
    public sealed record Act(int Kind, int Operator, int Port, int Time, int Diff)
    {
        public override string ToString() => Kind == 4 ? "harvest" : $"{"cipm"[Kind]} op{Operator}.{Port} t{Time} {Diff:+#;-#}";
    }

    /// <summary>Operators with their inputs and outputs, the targets of each output ([op][output] lists of (op, input)), and the actions.</summary>
    public sealed record Script(int[] Inputs, int[] Outputs, (int Op, int Port)[][][] Targets, Act[] Acts)
    {
        public override string ToString() =>
            $"inputs [{string.Join(",", Inputs)}] outputs [{string.Join(",", Outputs)}]: {string.Join("; ", Acts.Select(a => a.ToString()))}";
    }

    private static Gen<Script> ScriptGen() =>
        from n in Gen.Choose(1, 6)
        from inputs in Gen.ArrayOf(Gen.Choose(0, 3), n)
        from outputs in Gen.ArrayOf(Gen.Choose(0, 3), n)
        from targets in Gen.ArrayOf(Gen.ArrayOf(TargetGen(inputs), 3), n)
        from acts in Gen.Choose(0, 80).SelectMany(k => Gen.ArrayOf(ActGen(n), k))
        select new Script(inputs, outputs, targets.Select((row, op) => row.Take(outputs[op]).ToArray()).ToArray(), acts);

    private static Gen<(int Op, int Port)[]> TargetGen(int[] inputs)
    {
        var ports = inputs.SelectMany((count, op) => Enumerable.Range(0, count).Select(port => (op, port))).ToArray();
        return ports.Length == 0
            ? Gen.Constant(Array.Empty<(int, int)>())
            : Gen.ArrayOf(Gen.Elements(ports)).Select(t => t.Distinct().Take(3).ToArray());
    }

    private static Gen<Act> ActGen(int n) =>
        Gen.Frequency(
            (6, from kind in Gen.Choose(0, 3) from op in Gen.Choose(0, n - 1) from port in Gen.Choose(0, 2) from time in Gen.Choose(0, 4) from diff in Gen.Elements(1, 2, -1, 3) select new Act(kind, op, port, time, diff)),
            (1, Gen.Constant(new Act(4, 0, 0, 0, 0))));

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property A_harvest_of_the_changed_operators_collects_every_update_since_the_last_one() =>
        Prop.ForAll(ScriptGen().ToArbitrary(), script =>
        {
            Play(script);
            return true;
        });

    private static void Play(Script script)
    {
        int n = script.Inputs.Length;
        var activations = ActivationSet.ForDataflows();
        var operators = new OperatorCore<ulong>[n];
        for (int op = 0; op < n; op++)
        {
            operators[op] = new OperatorCore<ulong>(op, $"op{op}", activations);
            for (int i = 0; i < script.Inputs[op]; i++)
            {
                operators[op].AddInput();
            }

            for (int o = 0; o < script.Outputs[op]; o++)
            {
                operators[op].AddOutput();
            }
        }

        var targets = script.Targets.Select(row => row.Select(t => t.Select(x => Location.Target(x.Op, x.Port)).ToArray()).ToArray()).ToArray();

        // Updates made before the harvester exists are collected by its first harvest too.
        var expected = new Dictionary<(Location, ulong), long>();
        ProgressHarvester<ulong>? harvester = null;
        int split = script.Acts.Length / 4;
        for (int k = 0; k < split; k++)
        {
            Apply(script.Acts[k], k);
        }

        harvester = new ProgressHarvester<ulong>(operators, targets);
        for (int k = split; k < script.Acts.Length; k++)
        {
            Apply(script.Acts[k], k);
        }

        Harvest(script.Acts.Length);

        void Apply(Act act, int at)
        {
            var op = operators[act.Operator];
            ulong time = (ulong)act.Time;
            switch (act.Kind)
            {
                case 0 when act.Port < op.Inputs:
                    // Consumed counts are positive; a -1 here stands for nothing consumed.
                    long consumed = Math.Abs(act.Diff);
                    op.Consumed[act.Port].Update(time, consumed);
                    Add(Location.Target(act.Operator, act.Port), time, -consumed);
                    break;
                case 1 when act.Port < op.Outputs:
                    op.Internals[act.Port].Update(time, act.Diff);
                    Add(Location.Source(act.Operator, act.Port), time, act.Diff);
                    break;
                case 2 when act.Port < op.Outputs:
                    long produced = Math.Abs(act.Diff);
                    op.Produced[act.Port].Update(time, produced);
                    foreach (var target in targets[act.Operator][act.Port])
                    {
                        Add(target, time, produced);
                    }

                    break;
                case 3 when act.Port < op.Outputs:
                    // A whole batch moved in (into an empty batch the buffers are swapped).
                    var moved = new ChangeBatch<ulong>();
                    moved.Update(time, act.Diff);
                    moved.Update(time + 1, 1);
                    moved.DrainInto(op.Internals[act.Port]);
                    Add(Location.Source(act.Operator, act.Port), time, act.Diff);
                    Add(Location.Source(act.Operator, act.Port), time + 1, 1);
                    break;
                case 4 when harvester is not null:
                    Harvest(at);
                    break;
            }
        }

        void Add(Location location, ulong time, long diff)
        {
            expected[(location, time)] = expected.GetValueOrDefault((location, time)) + diff;
        }

        void Harvest(int at)
        {
            harvester!.Harvest();
            var got = harvester.Batch.Compacted().ToArray().Select(u => (u.Item.Location, u.Item.Time, u.Diff)).OrderBy(u => u).ToArray();
            var want = expected.Where(e => e.Value != 0).Select(e => (e.Key.Item1, e.Key.Item2, e.Value)).OrderBy(u => u).ToArray();
            if (!got.SequenceEqual(want))
            {
                throw new InvalidOperationException($"harvest at action {at}: got [{string.Join(", ", got)}] where the updates since the last harvest sum to [{string.Join(", ", want)}]");
            }

            foreach (var op in operators)
            {
                if (op.Consumed.Concat(op.Internals).Concat(op.Produced).Any(b => !b.IsEmpty))
                {
                    throw new InvalidOperationException($"harvest at action {at}: operator {op.Index} still holds updates");
                }
            }

            harvester.Batch.Clear();
            expected.Clear();
        }
    }
}
