using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Timely.Examples;

/// <summary>
/// Many short lists of unmanaged <typeparamref name="T"/> (pagerank's out-edges, one list a node)
/// in one native block (<see cref="NativeList{T}"/>): each list is a run of the block whose room is
/// a power of two of at least <see cref="SmallestRoom"/> elements, grown by moving it to a run
/// twice as large, as Rust's <c>Vec</c> of each node grows; a run left behind goes on a free list
/// of its size, and the next run of that size takes it.
/// </summary>
/// <remarks>
/// Design: the caller keeps each list's <see cref="Run"/> (where, how long, which size) in its
/// own per-node state, so a node's rank and its edges' whereabouts share one line; this type owns
/// the block and the free lists. Rust gives each node's <c>Vec</c> its own block from malloc; one
/// block with size classes is the same growth and reuse with no header per list, and frees with
/// one call. As managed arrays (one a node, doubled as it grew) the out-edges were 11 MB of
/// pagerank's 55 MB allocated in the timed part at 100,000 nodes and 400,000 edges (dotnet-trace's
/// allocation ticks), counted against gen0's budget. A free run's first four bytes hold the next
/// free run's start plus one (0 ends the list), so the free lists take no memory of their own.
/// A span from <see cref="Items"/> is valid until the next <see cref="Add"/> to any list (the
/// block may move) or the disposal. Single-threaded, as a worker's state is.
/// </remarks>
internal sealed class NativeRuns<T> : IDisposable
    where T : unmanaged
{
    /// <summary>The room of the smallest run (Rust's <c>Vec</c> of 16-byte elements starts at 4).</summary>
    public const int SmallestRoom = 4;

    // Size classes: room SmallestRoom << c, up to the largest that an int counts.
    private const int Classes = 28;

    private readonly NativeList<T> _block = new();
    private readonly int[] _free = new int[Classes];

    static NativeRuns()
    {
        // A free run keeps the next free run's start in its first element.
        if (Unsafe.SizeOf<T>() < sizeof(int))
        {
            throw new NotSupportedException($"native runs hold elements of at least {sizeof(int)} bytes, not {Unsafe.SizeOf<T>()}");
        }
    }

    /// <summary>Elements the block holds, in runs in use and free (what it takes from native memory, but for its spare capacity).</summary>
    public int BlockLength => _block.Count;

    /// <summary>The elements of <paramref name="run"/> (valid until the next <see cref="Add"/> or the disposal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<T> Items(in Run run) => run.SizeClass == 0 ? default : _block.AsSpan().Slice(run.Start, run.Count);

    /// <summary>Appends <paramref name="item"/> to <paramref name="run"/>, moving it to a run twice as large when it is full.</summary>
    /// <exception cref="ObjectDisposedException">The runs were disposed.</exception>
    public void Add(ref Run run, T item)
    {
        if (run.Count == Room(run.SizeClass))
        {
            Move(ref run);
        }

        _block[run.Start + run.Count] = item;
        run.Count++;
    }

    /// <summary>Keeps the first <paramref name="count"/> elements of <paramref name="run"/> (its room stays, as a <c>Vec</c>'s capacity does).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or above the run's count.</exception>
    public static void Truncate(ref Run run, int count)
    {
        if ((uint)count > (uint)run.Count)
        {
            ThrowCount(count, run.Count);
        }

        run.Count = count;
    }

    /// <summary>Gives <paramref name="run"/>'s room back for later runs; the run is empty after.</summary>
    public void Free(ref Run run)
    {
        if (run.SizeClass != 0)
        {
            Release(run.Start, run.SizeClass);
        }

        run = default;
    }

    /// <summary>Frees the block.</summary>
    public void Dispose() => _block.Dispose();

    /// <summary>The room of a run of <paramref name="sizeClass"/> (0: no run).</summary>
    internal static int Room(int sizeClass) => sizeClass == 0 ? 0 : SmallestRoom << (sizeClass - 1);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Move(ref Run run)
    {
        int sizeClass = run.SizeClass + 1;
        if (sizeClass > Classes)
        {
            throw new InvalidOperationException($"a native run holds at most {Room(Classes)} elements");
        }

        int start = Take(sizeClass);
        if (run.SizeClass != 0)
        {
            var block = _block.AsSpan();
            block.Slice(run.Start, run.Count).CopyTo(block.Slice(start, run.Count));
            Release(run.Start, run.SizeClass);
        }

        run = new Run(start, run.Count, sizeClass);
    }

    // A free run of the class, else new room at the end of the block.
    private int Take(int sizeClass)
    {
        int head = _free[sizeClass - 1];
        if (head != 0)
        {
            int start = head - 1;
            _free[sizeClass - 1] = Next(start);
            return start;
        }

        int end = _block.Count;
        _block.Grow(checked(end + Room(sizeClass)));
        return end;
    }

    private void Release(int start, int sizeClass)
    {
        Next(start) = _free[sizeClass - 1];
        _free[sizeClass - 1] = start + 1;
    }

    private ref int Next(int start) => ref MemoryMarshal.Cast<T, int>(_block.AsSpan().Slice(start, 1))[0];

    [DoesNotReturn]
    private static void ThrowCount(int count, int length) =>
        throw new ArgumentOutOfRangeException(nameof(count), count, $"a run of {length} elements keeps 0 to {length} of them");

    /// <summary>Where one list's run is in the block: its start, its count and its size class (0: no run yet; room <see cref="SmallestRoom"/> times 2^(class - 1)).</summary>
    internal struct Run(int start, int count, int sizeClass)
    {
        public int Start = start;
        public int Count = count;
        public int SizeClass = sizeClass;
    }
}
