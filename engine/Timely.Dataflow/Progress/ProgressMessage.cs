namespace Timely.Dataflow.Progress;

/// <summary>
/// One worker's progress for one step of one dataflow, sent whole to every worker (timely's
/// progcaster message): pointstamp count changes at input and output ports. Applied as a
/// unit and in order per sender, which is what keeps every worker's view conservative.
/// </summary>
internal sealed class ProgressMessage<T>
{
    // Design: owned by whichever side holds it, as a data message is: the broadcaster fills one per
    // destination and pushes it; the receiving worker reads it in place; whatever the push slot
    // hands back is refilled for the next batch.
    public int Source { get; set; }

    public long Sequence { get; set; }

    public List<(Location Location, T Time, long Diff)> Updates { get; } = new();
}
