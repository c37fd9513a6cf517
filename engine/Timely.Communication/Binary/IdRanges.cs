namespace Timely.Communication.Binary;

/// <summary>
/// A set of channel ids kept as sorted, disjoint, non-adjacent ranges: the ids a worker has
/// deallocated. A dataflow's channels have consecutive ids and dataflows mostly complete in the
/// order they were built, so the set stays a few ranges however many dataflows came and went.
/// </summary>
internal sealed class IdRanges
{
    // Design: _starts[i] .. _ends[i] (inclusive) is range i; ranges are sorted by start, and
    // _ends[i] + 1 < _starts[i + 1] (adjacent ranges are merged), so a lookup is one binary search.
    private readonly List<int> _starts = new();
    private readonly List<int> _ends = new();

    /// <summary>How many ranges the set holds (what its memory is proportional to).</summary>
    public int RangeCount => _starts.Count;

    /// <summary>Whether <paramref name="id"/> is in the set.</summary>
    public bool Contains(int id)
    {
        int i = LastStartAtOrBelow(id);
        return i >= 0 && id <= _ends[i];
    }

    /// <summary>Adds <paramref name="id"/> (no effect when it is in the set already).</summary>
    public void Add(int id)
    {
        int i = LastStartAtOrBelow(id);
        if (i >= 0 && id <= _ends[i])
        {
            return;
        }

        bool joinsLeft = i >= 0 && _ends[i] == id - 1;
        bool joinsRight = i + 1 < _starts.Count && _starts[i + 1] == id + 1;
        if (joinsLeft && joinsRight)
        {
            _ends[i] = _ends[i + 1];
            _starts.RemoveAt(i + 1);
            _ends.RemoveAt(i + 1);
        }
        else if (joinsLeft)
        {
            _ends[i] = id;
        }
        else if (joinsRight)
        {
            _starts[i + 1] = id;
        }
        else
        {
            _starts.Insert(i + 1, id);
            _ends.Insert(i + 1, id);
        }
    }

    /// <summary>The index of the last range starting at or below <paramref name="id"/>, or -1.</summary>
    private int LastStartAtOrBelow(int id)
    {
        int lo = 0;
        int hi = _starts.Count - 1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            if (_starts[mid] <= id)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return hi;
    }
}
