namespace Timely.Communication.Tests;

/// <summary>
/// A recycler of lists that counts what it makes, hands out and takes back, and refuses a list
/// it took back already (a receiver that returned one twice). A list it did not hand out is
/// adopted and kept apart (<see cref="Adopted"/>): the in-process allocator gives it the worker's
/// own sends that came back beyond a push's slot, and a decoding allocator must never give it one.
/// </summary>
internal sealed class CountingRecycler : IRecycler<List<long>>
{
    private readonly Stack<List<long>> _free = new();
    private readonly HashSet<List<long>> _out = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<List<long>> _in = new(ReferenceEqualityComparer.Instance);

    /// <summary>The lists taken back that this recycler never handed out, in the order they came.</summary>
    public List<List<long>> Adopted { get; } = [];

    /// <summary>Lists made because none was waiting.</summary>
    public int Made { get; private set; }

    /// <summary>Calls to <see cref="Rent"/>.</summary>
    public int Rented { get; private set; }

    /// <summary>Calls to <see cref="Return"/>.</summary>
    public int Returned { get; private set; }

    /// <summary>Whether <paramref name="list"/> is handed out now (rented and not yet returned).</summary>
    public bool IsOut(List<long> list) => _out.Contains(list);

    public List<long> Rent()
    {
        Rented++;
        if (!_free.TryPop(out var list))
        {
            Made++;
            list = new List<long>();
        }

        _in.Remove(list);
        _out.Add(list);
        return list;
    }

    public void Return(List<long> item)
    {
        Returned++;
        if (!_in.Add(item))
        {
            throw new InvalidOperationException("a list came back twice");
        }

        if (!_out.Remove(item))
        {
            Adopted.Add(item);
        }

        item.Clear();
        _free.Push(item);
    }
}
