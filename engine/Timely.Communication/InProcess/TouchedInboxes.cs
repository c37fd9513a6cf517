namespace Timely.Communication.InProcess;

/// <summary>The receive of the in-process allocators over their list of channels pushed to.</summary>
internal static class TouchedInboxes
{
    /// <summary>
    /// Keeps in <paramref name="touched"/> the inboxes that still hold messages, in order, and
    /// adds each reportable one's id to <paramref name="events"/> once; the others leave the list
    /// (their flag cleared, so the next push lists them again).
    /// </summary>
    /// <remarks>
    /// Not generic over the inbox type: as a shared generic instance (over the inbox classes) it
    /// looked up the list's methods in its generic context at every call, and one worker's
    /// round trip through its own channel (`timely roundtrip 10000 -w 1`, 9 interleaved runs)
    /// took 1.26x the time of the single worker's own loop before it (1.13x with tiers off);
    /// this form takes 0.97x (1.02x).
    /// </remarks>
    public static void Sweep(List<ITouchedInbox> touched, List<int> events)
    {
        int kept = 0;
        for (int i = 0; i < touched.Count; i++)
        {
            var inbox = touched[i];
            if (!inbox.HasData)
            {
                inbox.Touched = false;
                continue;
            }

            touched[kept++] = inbox;
            if (inbox.Reportable && !events.Contains(inbox.Id))
            {
                events.Add(inbox.Id);
            }
        }

        touched.RemoveRange(kept, touched.Count - kept);
    }
}
