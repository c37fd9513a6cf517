using System.Diagnostics;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Scopes;

/// <summary>
/// Gathers what one scope's operators did since the last step into the batch of pointstamp
/// updates this worker sends next (timely's <c>extract_progress</c> over the children and
/// <c>harvest_inputs</c>): records consumed (-n at the input), capability changes (at the output)
/// and records produced (+n at every input the output feeds).
/// </summary>
/// <remarks>
/// A producer's +n travels in the same batch as the capability change that allowed it, so a
/// worker that has not yet seen the batch still sees the older capability: every view stays
/// conservative.
/// </remarks>
internal sealed class ProgressHarvester<T>
{
    // Design: owned by the worker thread that built the scope. The operators' change batches are
    // written by their logic and by input handles on that same thread, and drained here; the
    // batch is drained by the scope's send. Nothing is shared between threads.
    // Design: a harvest looks only at the operators listed in _changed. Every batch of operator
    // i shares _watches[i], which lists i when one of its batches goes from empty to holding
    // something (ChangeBatch.Update and DrainInto are the only ways in). A harvest empties every
    // batch of each listed operator and unlists it, so at any time an operator with a batch
    // holding updates is listed: none is missed, and a step costs the operators that changed,
    // not every operator of the scope.
    private readonly OperatorCore<T>[] _operators;
    private readonly Location[][][] _targets;
    private readonly BatchWatch[] _watches;
    private readonly List<int> _changed;

    public ProgressHarvester(OperatorCore<T>[] operators, Location[][][] targets)
    {
        _operators = operators;
        _targets = targets;

        // The first harvest lists every operator and holds the drop of every output's initial
        // capability: room for those from the start, where the list and the batch doubled from four
        // to their size at the first step, a chain of garbage arrays per scope (event_driven builds
        // a thousand scopes in its timed part; perf.md §4, the examples' levers, evbuild2).
        int outputs = 0;
        foreach (var op in operators)
        {
            outputs += op.Outputs;
        }

        _changed = new List<int>(operators.Length);
        Batch = new ChangeBatch<(Location Location, T Time)>(Math.Max(outputs, 1));
        _watches = new BatchWatch[operators.Length];
        for (int k = 0; k < operators.Length; k++)
        {
            var watch = new BatchWatch(_changed, k);
            _watches[k] = watch;
            var op = operators[k];
            foreach (var batch in op.Consumed)
            {
                batch.WatchBy(watch);
            }

            foreach (var batch in op.Internals)
            {
                batch.WatchBy(watch);
            }

            foreach (var batch in op.Produced)
            {
                batch.WatchBy(watch);
            }
        }
    }

    /// <summary>This worker's updates not sent yet (timely's <c>local_pointstamp</c>).</summary>
    public ChangeBatch<(Location Location, T Time)> Batch { get; }

    /// <summary>Moves every operator's consumed, internal and produced counts into <see cref="Batch"/>.</summary>
    public void Harvest()
    {
        var changed = _changed;
        for (int k = 0; k < changed.Count; k++)
        {
            int index = changed[k];
            HarvestOperator(_operators[index]);
            _watches[index].Reset();
        }

        changed.Clear();
    }

    private void HarvestOperator(OperatorCore<T> op)
    {
        var batch = Batch;
        for (int i = 0; i < op.Consumed.Length; i++)
        {
            var consumed = op.Consumed[i];
            if (consumed.IsEmpty)
            {
                continue;
            }

            var target = Location.Target(op.Index, i);
            foreach (var (time, count) in consumed.Compacted())
            {
                Debug.Assert(count > 0, "an input consumes records, it never gives them back");
                batch.Update((target, time), -count);
            }

            consumed.Clear();
        }

        var targets = _targets[op.Index];
        for (int o = 0; o < op.Internals.Length; o++)
        {
            var internals = op.Internals[o];
            if (!internals.IsEmpty)
            {
                var source = Location.Source(op.Index, o);
                foreach (var (time, diff) in internals.Compacted())
                {
                    batch.Update((source, time), diff);
                }

                internals.Clear();
            }

            var produced = op.Produced[o];
            if (!produced.IsEmpty)
            {
                foreach (var target in targets[o])
                {
                    foreach (var (time, count) in produced.Compacted())
                    {
                        Debug.Assert(count > 0, "an output produces records, it never takes them back");
                        batch.Update((target, time), count);
                    }
                }

                produced.Clear();
            }
        }
    }

    /// <summary>
    /// Counts <paramref name="count"/> records entering at scope input <paramref name="port"/> at
    /// <paramref name="time"/> (timely's <c>harvest_inputs</c>): +count at every inner input they
    /// reach and -count at child zero's output, which comes back from the exchange as the parent's
    /// consumed count. Both travel in this worker's next batch.
    /// </summary>
    public void RecordIngress(int port, T time, long count)
    {
        Debug.Assert(count > 0, "records enter a scope, they never leave through its input");
        foreach (var target in _targets[0][port])
        {
            Batch.Update((target, time), count);
        }

        Batch.Update((Location.Source(0, port), time), -count);
    }
}
