"""What every area of the reference server uses: the app, its state, clock, ids, faults and variants, errors, list pages, multipart."""
