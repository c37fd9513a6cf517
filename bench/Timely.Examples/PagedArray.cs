using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Timely.Examples;

/// <summary>
/// An array of <typeparamref name="T"/> held in pages of at most 64 KiB, grown a page at a time:
/// the state the examples keep per node (pagerank's nodes, unionfind's forests).
/// </summary>
/// <remarks>
/// Design: .NET puts an array of 85,000 bytes or more on the large-object heap, and the
/// collector's budget for that heap starts at 3 MB: a program that allocates more there sets off
/// a full (gen2) collection. Measured with the runtime's GC events on the examples at the table's
/// sizes, every collection in the timed part of pagerank, hashjoin and unionfind was such a gen2
/// <c>AllocLarge</c>, set off by arrays sized once or grown by doubling (pagerank's 3.2 MB node
/// array, unionfind's roots grown 1.4 → 2.8 → 5.6 MB). A page is a small object: it starts in
/// gen0 and counts against gen0's budget (about 16 MB on this host) instead. Growing appends
/// pages and never copies, so nothing outgrown is left behind as garbage either (Rust's
/// <c>Vec</c> doubles, but its allocator reuses the old block at once; .NET's only after a
/// collection). The page length is a power of two, so an index is a shift and a mask; the cost
/// is a second load (the page) per access.
/// </remarks>
internal sealed class PagedArray<T>
{
    /// <summary>Elements per page: the largest power of two whose page is at most 64 KiB (at least 1).</summary>
    public static readonly int PageLength = 1 << BitOperations.Log2((uint)Math.Max(1, PageBytes / Unsafe.SizeOf<T>()));

    private const int PageBytes = 64 * 1024;
    private static readonly int Shift = BitOperations.Log2((uint)PageLength);

    private T[][] _pages = [];
    private int _length;

    /// <summary>An empty array.</summary>
    public PagedArray()
    {
    }

    /// <summary>An array of <paramref name="length"/> default elements.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public PagedArray(int length) => Grow(length);

    /// <summary>Elements held.</summary>
    public int Length => _length;

    /// <summary>Pages allocated (each <see cref="PageLength"/> elements).</summary>
    public int Pages => (int)(((long)_length + PageLength - 1) >> Shift);

    /// <summary>Element <paramref name="index"/>, by reference.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is negative or not below <see cref="Length"/>.</exception>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)_length)
            {
                ThrowIndex(index);
            }

            return ref _pages[index >> Shift][index & (PageLength - 1)];
        }
    }

    /// <summary>Grows to <paramref name="length"/> elements, the new ones default; a shorter length leaves the array as it is.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public void Grow(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length <= _length)
        {
            return;
        }

        int pages = (int)(((long)length + PageLength - 1) >> Shift);
        if (pages > _pages.Length)
        {
            // The page table is 8 bytes a page (a million ints: 62 pages), so doubling it costs nothing.
            Array.Resize(ref _pages, Math.Max(pages, _pages.Length * 2));
        }

        for (int p = Pages; p < pages; p++)
        {
            _pages[p] = new T[PageLength];
        }

        _length = length;
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public void Fill(T value)
    {
        // Up to the length only: the rest of the last page must stay default for a later Grow.
        for (int p = 0, pages = Pages; p < pages; p++)
        {
            _pages[p].AsSpan(0, Math.Min(PageLength, _length - (p * PageLength))).Fill(value);
        }
    }

    /// <summary>Page <paramref name="page"/> itself (for tests: where the collector put it).</summary>
    internal T[] Page(int page) => _pages[page];

    [DoesNotReturn]
    private void ThrowIndex(int index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"outside a paged array of {_length} elements");
}
