using System.Runtime.CompilerServices;

namespace Timely.Communication.Wakeup;

/// <summary>
/// Workers' doorbells <c>bells[first ..]</c>, indexed from 0: an in-process group's, or the
/// bells a TCP receive thread rings for its process's workers.
/// </summary>
internal readonly struct DoorbellList(Doorbell[] bells, int first = 0) : IBellList
{
    public int Count => bells.Length - first;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RingAfterFence(int index) => bells[first + index].RingAfterFence();
}
