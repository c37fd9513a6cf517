using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Progress;

/// <summary>
/// A set of mutually incomparable timestamps: timely's <c>Antichain</c>. As a frontier it
/// stands for every time greater than or equal to one of its elements.
/// </summary>
public sealed class Antichain<T>
{
    // Design: not shared: each belongs to whatever owns it (a summary table built once and then only
    // read, or a worker-owned frontier).
    //
    // The elements are _items[.._count], in an array grown as needed: a list was an object more per
    // antichain and its first insert made room for four. Summary tables hold an antichain per
    // port pair (building event_driven's dataflow of thirteen operators made about fifty), and a
    // total order's antichain never holds more than one element, so the first insert makes room
    // for one and later ones double it.
    private T[] _items;
    private int _count;

    /// <summary>The empty antichain (a frontier that has passed every time).</summary>
    public Antichain()
    {
        _items = [];
    }

    /// <summary>An antichain holding <paramref name="element"/> alone.</summary>
    public Antichain(T element)
    {
        _items = [element];
        _count = 1;
    }

    /// <summary>The elements, in insertion order.</summary>
    public ReadOnlySpan<T> Elements => new(_items, 0, _count);

    /// <summary>Number of elements.</summary>
    public int Count => _count;

    /// <summary>Whether the antichain has no elements.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>
    /// Inserts <paramref name="element"/> unless some element is less than or equal to it;
    /// removes the elements it is less than or equal to. Returns whether it was inserted.
    /// </summary>
    public bool Insert(T element)
    {
        var traits = TimestampTraits<T>.Default;
        foreach (var e in Elements)
        {
            if (traits.LessEqual(e, element))
            {
                return false;
            }
        }

        // Drop the elements the new one is less than or equal to, keeping the others in order.
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            if (!traits.LessEqual(element, _items[i]))
            {
                _items[kept++] = _items[i];
            }
        }

        Array.Clear(_items, kept, _count - kept);
        _count = kept;
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, Math.Max(1, 2 * _count));
        }

        _items[_count++] = element;
        return true;
    }

    /// <summary>Whether some element is strictly less than <paramref name="time"/>.</summary>
    public bool LessThan(T time)
    {
        var traits = TimestampTraits<T>.Default;
        var eq = EqualityComparer<T>.Default;
        foreach (var e in Elements)
        {
            if (traits.LessEqual(e, time) && !eq.Equals(e, time))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether some element is less than or equal to <paramref name="time"/>.</summary>
    public bool LessEqual(T time)
    {
        var traits = TimestampTraits<T>.Default;
        foreach (var e in Elements)
        {
            if (traits.LessEqual(e, time))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Removes every element.</summary>
    public void Clear()
    {
        Array.Clear(_items, 0, _count);
        _count = 0;
    }

    /// <inheritdoc />
    public override string ToString() => "{" + string.Join(", ", _items[.._count]) + "}";
}
