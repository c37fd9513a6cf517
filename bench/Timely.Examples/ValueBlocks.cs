namespace Timely.Examples;

/// <summary>
/// Many short lists of values (hashjoin's values per key and input) in blocks of
/// <see cref="BlockSize"/> carved from shared slabs: a list is a chain of blocks, appended to
/// at its last block, read block by block.
/// </summary>
/// <remarks>
/// Design: an array per list grown by doubling (as Rust's <c>Vec</c>) leaves every outgrown array
/// behind; Rust's allocator reuses that memory at once, .NET's only after a collection that
/// reaches it, and these arrays live long enough to be promoted first, so at 100,000 keys the
/// outgrown arrays (29 MB) stayed resident beside the live ones (plus 24 bytes of header each).
/// A chain never rewrites what it holds: a value is written once, a block keeps its number when the
/// store grows, and nothing becomes garbage. The blocks are one run of native memory
/// (<see cref="NativeList{T}"/>, grown by doubling as Rust's <c>Vec</c> grows, the old block
/// handed back to the C allocator at once): held in 72 KiB slabs on the
/// collector's heap they were about 18 MB of small objects at hashjoin's table sizes, more than
/// gen0's budget, a collection in the timed part. The price is a block boundary every
/// <see cref="BlockSize"/> values when reading and up to <see cref="BlockSize"/> - 1 unused slots
/// per list.
/// </remarks>
internal sealed class ValueBlocks : IDisposable
{
    /// <summary>Values per block.</summary>
    public const int BlockSize = 8;

    // A block is BlockSize values and then the number of the list's next block, in one run of
    // the store; block numbers start at 1 so that a default List (all zeros) is empty.
    private const int Stride = BlockSize + 1;

    private readonly NativeList<ulong> _store = new();
    private int _blocks;

    /// <summary>Blocks handed out so far.</summary>
    public int Blocks => _blocks;

    /// <summary>Appends <paramref name="value"/> to <paramref name="list"/>.</summary>
    public void Add(ref List list, ulong value)
    {
        int offset = list.Count % BlockSize;
        if (offset == 0)
        {
            int block = NewBlock();
            if (list.Count == 0)
            {
                list.Head = block;
            }
            else
            {
                _store[Start(list.Tail) + BlockSize] = (ulong)block;
            }

            list.Tail = block;
        }

        _store[Start(list.Tail) + offset] = value;
        list.Count++;
    }

    /// <summary>The values of <paramref name="list"/> from its block <paramref name="block"/> on (<see cref="List.Head"/> to start): this block's values, and the next block (0 after the last).</summary>
    public ReadOnlySpan<ulong> Block(int block, int remaining, out int next)
    {
        var run = _store.AsSpan().Slice(Start(block), Stride);
        next = (int)run[BlockSize];
        return run[..Math.Min(remaining, BlockSize)];
    }

    /// <summary>Frees the blocks.</summary>
    public void Dispose() => _store.Dispose();

    private static int Start(int block) => (block - 1) * Stride;

    private int NewBlock()
    {
        _store.Grow(_store.Count + Stride);   // zeroed: the block's link starts at 0
        return ++_blocks;
    }

    /// <summary>One list of values: its first and last blocks and its count (all zero when empty).</summary>
    public struct List
    {
        /// <summary>The first block (0 when empty).</summary>
        public int Head;

        /// <summary>The last block, where the next value goes.</summary>
        public int Tail;

        /// <summary>Values in the list.</summary>
        public int Count;
    }
}
