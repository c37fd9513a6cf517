namespace Timely.Examples;

/// <summary>
/// What a <see cref="TimedPayloads{TPayload, TPolicy}"/> does with its payloads beyond holding
/// them: makes one for a time it has not held, readies one handed back for a later time, and frees
/// one at disposal. Implemented by readonly structs, so the holder's calls are direct and inlined
/// (a struct type argument gets its own compiled code), not through an interface or a delegate.
/// </summary>
internal interface IPayloadPolicy<TPayload>
{
    /// <summary>A payload for a time no spare one is left for.</summary>
    TPayload Create();

    /// <summary>Readies <paramref name="payload"/>, handed back by its caller, to be kept for a later time.</summary>
    void Recycle(TPayload payload);

    /// <summary>Frees <paramref name="payload"/> (held or spare) when the holder is disposed.</summary>
    void Free(TPayload payload);
}
