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
/// A chain never moves what it holds: a value is written once, nothing becomes garbage, and the
/// slabs (<see cref="BlocksPerSlab"/> blocks each) are the only allocation. The price is a block
/// boundary every <see cref="BlockSize"/> values when reading and up to
/// <see cref="BlockSize"/> - 1 unused slots per list.
/// </remarks>
internal sealed class ValueBlocks
{
    /// <summary>Values per block.</summary>
    public const int BlockSize = 8;

    /// <summary>
    /// Blocks per slab (a slab holds them with their links: 72 KiB). Under the runtime's 85,000-byte
    /// threshold, so a slab starts in gen0 like any small object: at 8,192 blocks (576 KiB) each
    /// slab went to the large-object heap, whose allocation budget starts at 3 MB, and hashjoin's
    /// 21-42 slabs a process set off one or two full collections in the timed part
    /// (<c>AllocLarge</c>, perf.md "Where the peak memory is").
    /// </summary>
    public const int BlocksPerSlab = 1024;

    // A block is BlockSize values and then the number of the list's next block, in one run of
    // the slab; block numbers start at 1 so that a default List (all zeros) is empty.
    private const int Stride = BlockSize + 1;

    private ulong[][] _slabs = [];
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
                Slab(list.Tail, out int at)[at + BlockSize] = (ulong)block;
            }

            list.Tail = block;
        }

        Slab(list.Tail, out int start)[start + offset] = value;
        list.Count++;
    }

    /// <summary>The values of <paramref name="list"/> from its block <paramref name="block"/> on (<see cref="List.Head"/> to start): this block's values, and the next block (0 after the last).</summary>
    public ReadOnlySpan<ulong> Block(int block, int remaining, out int next)
    {
        var slab = Slab(block, out int start);
        next = (int)slab[start + BlockSize];
        return slab.AsSpan(start, Math.Min(remaining, BlockSize));
    }

    private ulong[] Slab(int block, out int start)
    {
        int index = block - 1;
        start = (index % BlocksPerSlab) * Stride;
        return _slabs[index / BlocksPerSlab];
    }

    private int NewBlock()
    {
        int index = _blocks;
        int slab = index / BlocksPerSlab;
        if (slab == _slabs.Length)
        {
            Array.Resize(ref _slabs, Math.Max(4, _slabs.Length * 2));
        }

        _slabs[slab] ??= new ulong[BlocksPerSlab * Stride];   // zeroed: every block's link starts at 0
        _blocks++;
        return index + 1;
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
