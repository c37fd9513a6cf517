namespace Timely.Dataflow.Progress;

/// <summary>
/// The mark an operator's progress batches share: the first update after the operator's batches
/// were last harvested lists the operator's index in its scope's list of changed operators, so a
/// harvest visits the operators that may hold something instead of every operator of the scope
/// (timely extracts progress only from the operators it scheduled; ours also catches changes made
/// outside a schedule, by input handles and capabilities, because every change goes through here).
/// </summary>
internal sealed class BatchWatch
{
    // Design: owned by the worker thread of the scope, like the batches and the list; nothing is
    // shared between threads.
    private readonly List<int> _changed;
    private readonly int _index;
    private bool _listed;

    /// <summary>A mark that lists <paramref name="index"/> in <paramref name="changed"/>.</summary>
    public BatchWatch(List<int> changed, int index)
    {
        _changed = changed;
        _index = index;
    }

    /// <summary>Whether the operator is listed (a batch of it may hold updates).</summary>
    public bool Listed => _listed;

    /// <summary>A batch of the operator went from empty to holding something: lists it once.</summary>
    public void Mark()
    {
        if (!_listed)
        {
            _listed = true;
            _changed.Add(_index);
        }
    }

    /// <summary>The harvest emptied every batch of the operator and took it off the list.</summary>
    public void Reset() => _listed = false;
}
