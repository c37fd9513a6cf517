using System.Runtime.CompilerServices;

namespace Timely.Communication.Wakeup;

/// <summary>A binary allocator's wake targets, one per target worker or writer: workers' doorbells and TCP send paths.</summary>
internal readonly struct WakeTargetList(IWakeTarget[] bells) : IBellList
{
    public int Count => bells.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RingAfterFence(int index) => bells[index].RingAfterFence();
}
