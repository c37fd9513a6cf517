namespace Timely.Examples;

/// <summary>
/// Records appended in fixed-size chunks: what a <see cref="TimeStash{TData}"/> holds for one
/// time. A growing list doubles its array, so it holds up to twice its records and leaves each
/// outgrown array behind as garbage (a round of a million rank changes left 50 MB so); chunks
/// hold the records and at most one partial chunk, and come from (and go back to) the stash's
/// pile of spare chunks, so a steady stream of rounds allocates nothing.
/// </summary>
internal sealed class RecordChunks<T>
{
    /// <summary>
    /// Records per chunk: as many as fit in 64 KiB (4,096 at 16 bytes a record), under the
    /// runtime's 85,000-byte threshold for the large-object heap. At 8,192 (128 KiB) every chunk
    /// went there, and that heap's allocation budget starts at 3 MB: pagerank's stashes (about 200
    /// chunks at its largest time and its load) set off full collections in the timed part
    /// (<c>AllocLarge</c>, measured with the runtime's GC events). Chunks are reused through the
    /// stash's spare pile, so the copy at each promotion is paid once per chunk.
    /// </summary>
    public static readonly int ChunkSize = PagedArray<T>.PageLength;

    private readonly List<T[]> _chunks = new();
    private readonly Stack<T[]> _spare;

    /// <summary>Chunks come from and go back to <paramref name="spare"/>.</summary>
    public RecordChunks(Stack<T[]> spare) => _spare = spare;

    /// <summary>Records held.</summary>
    public int Count { get; private set; }

    /// <summary>Appends <paramref name="records"/> (copied).</summary>
    public void Append(ReadOnlySpan<T> records)
    {
        while (!records.IsEmpty)
        {
            int offset = Count % ChunkSize;
            if (offset == 0)
            {
                _chunks.Add(_spare.Count > 0 ? _spare.Pop() : new T[ChunkSize]);
            }

            int take = Math.Min(records.Length, ChunkSize - offset);
            records[..take].CopyTo(_chunks[^1].AsSpan(offset));
            records = records[take..];
            Count += take;
        }
    }

    /// <summary>Chunk <paramref name="i"/>'s records (every chunk is full but the last).</summary>
    public Span<T> Chunk(int i) => _chunks[i].AsSpan(0, Math.Min(ChunkSize, Count - (i * ChunkSize)));

    /// <summary>The number of chunks.</summary>
    public int Chunks => _chunks.Count;

    /// <summary>Copies every record, in order, to the start of <paramref name="into"/>.</summary>
    public void CopyTo(Span<T> into)
    {
        for (int i = 0; i < Chunks; i++)
        {
            var chunk = Chunk(i);
            chunk.CopyTo(into[(i * ChunkSize)..]);
        }
    }

    /// <summary>
    /// Empties the list, its chunks back to the spare pile (cleared when they hold references).
    /// Only a chunk's written part is cleared: records are appended from its start, and a chunk
    /// on the pile is all defaults, so the rest was never written. Clearing whole chunks was
    /// 1.3% of a native <c>timely wordcount</c>'s samples (10 records a round in a chunk of
    /// 8192, 128 KB of (string, long) cleared per round).
    /// </summary>
    public void Clear()
    {
        for (int i = 0; i < _chunks.Count; i++)
        {
            var chunk = _chunks[i];
            if (System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>())
            {
                Chunk(i).Clear();
            }

            _spare.Push(chunk);
        }

        _chunks.Clear();
        Count = 0;
    }
}
