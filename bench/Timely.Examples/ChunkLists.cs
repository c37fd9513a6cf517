namespace Timely.Examples;

/// <summary>
/// <see cref="TimeStash{TData}"/>'s payload policy: a time's records as <see cref="RecordChunks{T}"/>
/// over one pile of spare chunks; a list handed back gives its chunks to the pile, which keeps at
/// most a cap of them (the rest go to the collector); nothing to free (managed arrays).
/// </summary>
internal readonly struct ChunkLists<TData>(Stack<TData[]> chunks, int maxSpareChunks) : IPayloadPolicy<RecordChunks<TData>>
{
    /// <inheritdoc/>
    public RecordChunks<TData> Create() => new(chunks);

    /// <inheritdoc/>
    public void Recycle(RecordChunks<TData> payload)
    {
        payload.Clear();
        while (chunks.Count > maxSpareChunks)
        {
            chunks.Pop();
        }
    }

    /// <inheritdoc/>
    public void Free(RecordChunks<TData> payload)
    {
    }
}
