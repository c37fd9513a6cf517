using System.Runtime.CompilerServices;

namespace Timely.Examples;

/// <summary>
/// A hash map from <see cref="ulong"/> keys to unmanaged values in native memory
/// (<see cref="NativeList{T}"/>): hashjoin's join table, which Rust keeps in hashbrown maps that
/// no collector visits. Open addressing with linear probing, at most 7/8 full as hashbrown keeps
/// its tables, doubled and rehashed past that; no removal (the join only adds keys).
/// </summary>
/// <remarks>
/// Design: a <see cref="Dictionary{TKey, TValue}"/> keeps its entries in one array, 4.3 MB at
/// hashjoin's 100,000 keys: on the large-object heap, whose 3 MB budget it used up, setting off a
/// gen2 collection in the timed part on one and two workers. Here an entry is the key plus one
/// (0 marks an empty slot, so a zeroed table is empty: <see cref="NativeList{T}.Grow"/> zeroes)
/// and its value, side by side, so a hit loads one line where the dictionary loads a bucket and
/// then an entry. The slot is the key's Fibonacci hash (a multiply and a shift): the keys are
/// Rust's hashes reduced modulo KEYS, dense small integers that a mask alone would put in runs.
/// </remarks>
internal sealed class NativeMap<TValue> : IDisposable
    where TValue : unmanaged
{
    private const ulong Fibonacci = 0x9e37_79b9_7f4a_7c15;

    private NativeList<Entry> _entries = new();
    private int _shift;
    private int _count;

    /// <summary>An empty map with room for <paramref name="expected"/> keys before it grows.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="expected"/> is negative.</exception>
    public NativeMap(int expected)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expected);
        int slots = 8;
        while ((long)slots * 7 / 8 < expected)
        {
            slots *= 2;
        }

        Allocate(slots);
    }

    /// <summary>Keys held.</summary>
    public int Count => _count;

    /// <summary>Slots in the table (a power of two; the map holds at most 7/8 of them).</summary>
    public int Slots => _entries.Count;

    /// <summary>
    /// The value of <paramref name="key"/>, by reference, added as default if absent (as
    /// <c>CollectionsMarshal.GetValueRefOrAddDefault</c>; valid until the next key is added).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="key"/> is <see cref="ulong.MaxValue"/> (its tag would be 0, the empty slot's).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TValue GetValueRefOrAddDefault(ulong key, out bool exists)
    {
        ulong tag = key + 1;
        if (tag == 0)
        {
            ThrowKey();
        }

        Span<Entry> entries = _entries.AsSpan();
        int mask = entries.Length - 1;
        for (int slot = (int)((key * Fibonacci) >> _shift); ; slot = (slot + 1) & mask)
        {
            ref Entry entry = ref entries[slot];
            if (entry.Tag == tag)
            {
                exists = true;
                return ref entry.Value;
            }

            if (entry.Tag == 0)
            {
                exists = false;
                return ref Add(ref entry, tag);
            }
        }
    }

    /// <summary>Frees the table.</summary>
    public void Dispose() => _entries.Dispose();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref TValue Add(ref Entry entry, ulong tag)
    {
        if ((long)(_count + 1) * 8 > (long)_entries.Count * 7)
        {
            return ref AddAfterGrowing(tag);
        }

        _count++;
        entry.Tag = tag;
        return ref entry.Value;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ref TValue AddAfterGrowing(ulong tag)
    {
        // Into a new table, then the old one freed: nothing of it reaches the collector's heap.
        using (var old = _entries)
        {
            _entries = new NativeList<Entry>();
            Allocate(old.Count * 2);
            foreach (ref readonly Entry entry in old.AsSpan())
            {
                if (entry.Tag != 0)
                {
                    Place(entry.Tag) = entry;
                }
            }
        }

        _count++;
        ref Entry added = ref Place(tag);
        added.Tag = tag;
        return ref added.Value;
    }

    /// <summary>The empty slot where <paramref name="tag"/> goes (the table holding no such tag).</summary>
    private ref Entry Place(ulong tag)
    {
        Span<Entry> entries = _entries.AsSpan();
        int mask = entries.Length - 1;
        int slot = (int)(((tag - 1) * Fibonacci) >> _shift);
        while (entries[slot].Tag != 0)
        {
            slot = (slot + 1) & mask;
        }

        return ref entries[slot];
    }

    private void Allocate(int slots)
    {
        _entries.Grow(slots);
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)slots);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowKey() =>
        throw new ArgumentOutOfRangeException("key", "a native map holds keys below ulong.MaxValue");

    private struct Entry
    {
        public ulong Tag;
        public TValue Value;
    }
}
