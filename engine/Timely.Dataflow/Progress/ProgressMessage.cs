namespace Timely.Dataflow.Progress;

/// <summary>
/// One worker's progress for one step of one dataflow, sent whole to every worker (timely's
/// progcaster message): pointstamp count changes at input and output ports. Applied as a
/// unit and in order per sender, which is what keeps every worker's view conservative.
/// </summary>
internal sealed class ProgressMessage<T>
{
    public int Source { get; set; }

    public long Sequence { get; set; }

    public List<(Location Location, T Time, long Diff)> Updates { get; } = new();
}
