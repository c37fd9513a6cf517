namespace Timely.Communication.InProcess;

/// <summary>The receive of the in-process allocators over their list of channels pushed to.</summary>
internal static class TouchedInboxes
{
    /// <summary>
    /// Keeps in <paramref name="touched"/> the inboxes that still hold messages, in order, and
    /// adds each reportable one's id to <paramref name="events"/> once; the others leave the list
    /// (their flag cleared, so the next push lists them again).
    /// </summary>
    public static void Sweep<TInbox>(List<TInbox> touched, List<int> events)
        where TInbox : ITouchedInbox
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
