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
    private readonly List<T> _elements;

    /// <summary>The empty antichain (a frontier that has passed every time).</summary>
    public Antichain()
    {
        _elements = new List<T>();
    }

    /// <summary>An antichain holding <paramref name="element"/> alone.</summary>
    public Antichain(T element)
    {
        _elements = new List<T>(1) { element };
    }

    /// <summary>The elements, in insertion order.</summary>
    public ReadOnlySpan<T> Elements => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_elements);

    /// <summary>Number of elements.</summary>
    public int Count => _elements.Count;

    /// <summary>Whether the antichain has no elements.</summary>
    public bool IsEmpty => _elements.Count == 0;

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

        for (int i = _elements.Count - 1; i >= 0; i--)
        {
            if (traits.LessEqual(element, _elements[i]))
            {
                _elements.RemoveAt(i);
            }
        }

        _elements.Add(element);
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
    public void Clear() => _elements.Clear();

    /// <inheritdoc />
    public override string ToString() => "{" + string.Join(", ", _elements) + "}";
}
