using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Timely.Examples;

/// <summary>
/// A list of unmanaged <typeparamref name="T"/> in native memory, grown by doubling as Rust's
/// <c>Vec</c> grows: the examples' large per-node state (unionfind's roots and ranks, hashjoin's
/// join table), which Rust keeps in malloc'd vectors that no collector visits.
/// </summary>
/// <remarks>
/// Design: ownership: the list owns one block from <see cref="NativeMemory"/>; <see cref="Dispose"/>
/// frees it (the finalizer too, as a safety net for a list never disposed), and a disposed list
/// refuses to grow. Growth: <see cref="NativeMemory.Realloc"/> to twice the capacity (or the
/// length asked for, if larger), which keeps the elements and lets the C allocator extend the
/// block in place or hand the old one back at once, as Rust's <c>Vec</c> does; elements past the
/// old length are zeroed, so a grown list reads default values as an array does. A span or a
/// reference taken before a growth or the disposal points into freed memory: take them after
/// (the examples take one per batch or per record). Why not an array: an array of 85,000 bytes
/// or more lives on the large-object heap, whose budget starts at 3 MB here, so growing one by
/// doubling sets off full (gen2) collections (unionfind's roots 1.4 → 2.8 → 5.6 MB: 1-3 a run);
/// the pinned-object heap shares that budget (a scratch run grew two such pairs to a million
/// elements: 4 gen2 <c>AllocLarge</c> collections either way, none in native memory), and pages
/// under the threshold (<see cref="PagedArray{T}"/>) cost a pointer chase a second load per step
/// (unionfind 1.54x, reverted). The block is not reported with <c>GC.AddMemoryPressure</c>: that
/// would set off the collections this type exists to avoid, for memory the collector cannot free.
/// Single-threaded, as the examples' per-worker state is. The only unsafe code of the examples:
/// everything else sees <see cref="Span{T}"/> and <c>ref T</c>.
/// </remarks>
internal sealed unsafe class NativeList<T> : IDisposable
    where T : unmanaged
{
    private T* _items;
    private int _count;
    private int _capacity;
    private bool _disposed;

    /// <summary>An empty list; no memory until the first element.</summary>
    public NativeList()
    {
    }

    /// <summary>An empty list with room for <paramref name="capacity"/> elements.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is negative.</exception>
    public NativeList(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (capacity > 0)
        {
            Reserve(capacity);
        }
    }

    ~NativeList() => NativeMemory.Free(_items);

    /// <summary>Elements held.</summary>
    public int Count => _count;

    /// <summary>Elements the block has room for.</summary>
    public int Capacity => _capacity;

    /// <summary>Element <paramref name="index"/>, by reference (valid until the list grows or is disposed).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative or not below <see cref="Count"/>.</exception>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)_count)
            {
                ThrowIndex(index);
            }

            return ref _items[index];
        }
    }

    /// <summary>The elements, as a span (valid until the list grows or is disposed; empty once disposed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> AsSpan() => new(_items, _count);

    /// <summary>Appends <paramref name="item"/>.</summary>
    /// <exception cref="ObjectDisposedException">The list was disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T item)
    {
        if (_count == _capacity)
        {
            GrowFor(_count + 1L);
        }

        _items[_count++] = item;
    }

    /// <summary>Appends <paramref name="items"/>.</summary>
    /// <exception cref="ObjectDisposedException">The list was disposed.</exception>
    public void AddRange(ReadOnlySpan<T> items)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long needed = (long)_count + items.Length;
        if (needed > _capacity)
        {
            GrowFor(needed);
        }

        items.CopyTo(new Span<T>(_items + _count, items.Length));
        _count = (int)needed;
    }

    /// <summary>Grows to <paramref name="count"/> elements, the new ones default; a shorter count leaves the list as it is.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="ObjectDisposedException">The list was disposed.</exception>
    public void Grow(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count <= _count)
        {
            return;
        }

        if (count > _capacity)
        {
            GrowFor(count);
        }

        new Span<T>(_items + _count, count - _count).Clear();
        _count = count;
    }

    /// <summary>Empties the list, keeping its block (a later <see cref="Grow"/> reads default values again).</summary>
    public void Clear() => _count = 0;

    /// <summary>Frees the block; the list is empty after and refuses to grow. Disposing twice does nothing.</summary>
    public void Dispose()
    {
        NativeMemory.Free(_items);
        _items = null;
        _count = 0;
        _capacity = 0;
        _disposed = true;
        GC.SuppressFinalize(this);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowFor(long needed)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException($"a native list holds at most {Array.MaxLength} elements, as an array does");
        }

        Reserve((int)Math.Min(Array.MaxLength, Math.Max(needed, Math.Max(4L, 2L * _capacity))));
    }

    private void Reserve(int capacity)
    {
        // Realloc keeps the first _count elements; the rest of the block is left as the allocator
        // gives it, and Grow zeroes what it exposes.
        _items = (T*)NativeMemory.Realloc(_items, (nuint)capacity * (nuint)sizeof(T));
        _capacity = capacity;
    }

    [DoesNotReturn]
    private void ThrowIndex(int index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"outside a native list of {_count} elements");
}
