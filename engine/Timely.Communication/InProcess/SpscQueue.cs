using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Timely.Bytes;

namespace Timely.Communication.InProcess;

/// <summary>
/// Unbounded lock-free single-producer single-consumer queue of references or values:
/// the typed channel between two workers of one process.
/// </summary>
/// <remarks>
/// Design:
/// - Storage is a linked list of array segments. The producer thread alone writes
///   <c>_tailSegment</c>, a segment's slots and its <c>Tail</c>; the consumer thread alone
///   writes <c>_headSegment</c> and a segment's <c>Head</c>. No CAS anywhere.
/// - Publication: the producer stores the item into its slot, then release-stores
///   <c>Tail</c> (<see cref="Volatile.Write(ref int, int)"/>); the consumer acquire-loads
///   <c>Tail</c> before reading the slot, so it never sees a half-written item. The consumer
///   clears the slot, then release-stores <c>Head</c>, so the producer never overwrites a
///   slot the consumer is still reading.
/// - Each side caches the other's index (<c>_cachedHead</c> on the producer side,
///   <c>_cachedTail</c> on the consumer side) and re-reads the shared one only when the
///   cache says full/empty: in steady state the shared lines are touched once per batch,
///   not once per item.
/// - When a segment is full the producer links a new, larger one (up to
///   <see cref="MaxSegmentLength"/>) with a release-store of <c>Next</c>; the consumer moves
///   on only after it has seen <c>Next</c> and then re-read <c>Tail</c> of the old segment,
///   because the producer writes its last items there before linking. Steady-state
///   traffic that fits in one segment wraps around it and allocates nothing.
/// - Head and tail live on different 128-byte lines (<see cref="CacheLine.Size"/>):
///   producer and consumer run on different cores and would otherwise false-share.
/// </remarks>
internal sealed class SpscQueue<T>
{
    // The first segment's slots: four, then doubling as the queue fills. A channel among the
    // workers of a process is eight queues on two workers (a forward and a return queue per
    // ordered pair), and each dataflow scope has a progress channel whose queues hold a message or
    // two between steps: with 32 slots a first segment's array was 280 bytes, 4.5 KB of each
    // event_driven dataflow built on -w 2 (perf.md §4, the examples' levers, evbuild2). A queue whose traffic runs ahead by more
    // links larger segments once (the slow path), then wraps in its largest.
    internal const int InitialSegmentLength = 4;
    internal const int MaxSegmentLength = 1 << 16;

    private Segment _headSegment;   // consumer-owned
    private int _cachedTail;        // consumer's view of _headSegment.Tail
    private Segment _tailSegment;   // producer-owned
    private int _cachedHead;        // producer's view of _tailSegment.Head

    public SpscQueue()
    {
        _headSegment = _tailSegment = new Segment(InitialSegmentLength);
    }

    /// <summary>Producer: appends an item. Never blocks; allocates only when a segment fills.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enqueue(T item)
    {
        Segment segment = _tailSegment;
        int tail = segment.Indices.Tail;   // own index: plain read
        if (tail - _cachedHead < segment.Items.Length
            || tail - (_cachedHead = Volatile.Read(ref segment.Indices.Head)) < segment.Items.Length)
        {
            segment.Items[tail & segment.Mask] = item;
            Volatile.Write(ref segment.Indices.Tail, tail + 1);
            return;
        }

        EnqueueSlow(item);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnqueueSlow(T item)
    {
        Segment old = _tailSegment;
        var next = new Segment(Math.Min(old.Items.Length * 2, MaxSegmentLength));
        next.Items[0] = item;
        next.Indices.Tail = 1;
        _tailSegment = next;
        _cachedHead = 0;
        Volatile.Write(ref old.Next, next);
    }

    /// <summary>Consumer: takes the oldest item, if any.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryDequeue([MaybeNullWhen(false)] out T item)
    {
        Segment segment = _headSegment;
        int head = segment.Indices.Head;   // own index: plain read
        if (head != _cachedTail || head != (_cachedTail = Volatile.Read(ref segment.Indices.Tail)))
        {
            ref T slot = ref segment.Items[head & segment.Mask];
            item = slot;
            slot = default!;
            Volatile.Write(ref segment.Indices.Head, head + 1);
            return true;
        }

        return TryDequeueSlow(out item);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryDequeueSlow([MaybeNullWhen(false)] out T item)
    {
        Segment segment = _headSegment;
        Segment? next = Volatile.Read(ref segment.Next);
        if (next is null)
        {
            item = default;
            return false;
        }

        // The producer wrote its last items into `segment` before linking `next`; the
        // acquire read of Next above makes them visible, so re-check before moving on.
        int head = segment.Indices.Head;
        if (head != Volatile.Read(ref segment.Indices.Tail))
        {
            _cachedTail = segment.Indices.Tail;
            return TryDequeue(out item);
        }

        _headSegment = next;
        _cachedTail = 0;
        return TryDequeue(out item);
    }

    /// <summary>Consumer: whether an item is available (the caller is the consumer thread).</summary>
    public bool IsEmpty
    {
        get
        {
            Segment segment = _headSegment;
            int head = segment.Indices.Head;
            if (head != Volatile.Read(ref segment.Indices.Tail))
            {
                return false;
            }

            // Only the consumer may advance past a drained segment, so from here a racy
            // answer is "empty", and the caller re-checks after the doorbell fence.
            Segment? next = Volatile.Read(ref segment.Next);
            return next is null || next.Indices.Head == Volatile.Read(ref next.Indices.Tail);
        }
    }

    private sealed class Segment
    {
        public readonly T[] Items;
        public readonly int Mask;
        public PaddedIndices Indices;
        public Segment? Next;

        public Segment(int length)
        {
            Items = new T[length];
            Mask = length - 1;
        }
    }
}

/// <summary>
/// Head and tail of one <see cref="SpscQueue{T}"/> segment, each on its own cache line
/// (<see cref="CacheLine.Size"/>, so the producer's and the consumer's writes never share a
/// line); the leading line keeps them off the line that holds the segment's other fields.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 3 * CacheLine.Size)]
internal struct PaddedIndices
{
    [FieldOffset(1 * CacheLine.Size)] public int Head;
    [FieldOffset(2 * CacheLine.Size)] public int Tail;
}
