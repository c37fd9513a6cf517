namespace Timely.Communication.Tests;

/// <summary>
/// A recycler of lists that counts what it makes, hands out and takes back, and refuses a list
/// it did not hand out or took back already (a receiver that returned one twice, or one of its own).
/// </summary>
internal sealed class CountingRecycler : IRecycler<List<long>>
{
    private readonly Stack<List<long>> _free = new();
    private readonly HashSet<List<long>> _out = new(ReferenceEqualityComparer.Instance);

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

        _out.Add(list);
        return list;
    }

    public void Return(List<long> item)
    {
        Returned++;
        if (!_out.Remove(item))
        {
            throw new InvalidOperationException("a list came back that was not handed out (or came back twice)");
        }

        item.Clear();
        _free.Push(item);
    }
}
