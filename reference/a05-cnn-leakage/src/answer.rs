//! Exercise 8: your explanation of the bug in `make_images_notebook`.

/// Exercise 8: in a few sentences (your own words), what is wrong with
/// [`crate::make_images_notebook`], and why it makes the CNN's accuracy too
/// good to be true. The grader checks that you name what goes wrong and how
/// it gives the answers away; your instructor reads it.
pub fn explain_bug() -> &'static str {
    // BEGIN SOLUTION: say what the generator does wrong, and how that gives the labels away
    "The centre of every shape is drawn with randint(4, size=4): that gives coordinates from 0 to 3, \
     not one position between 4 and size-4, so every dot and ring sits in the top-left corner. \
     With only 16 possible centres there are just 16 distinct dots and 32 distinct rings, so the test \
     set is made of noisy copies of training images (the overlap check finds a near-duplicate in \
     training for almost every test image), and the network can memorise them. On top of that a dot \
     is a single pixel while a ring, even cut off by the border, has many lit pixels: the total \
     brightness alone separates the classes, so accuracy is 1.000 from the first epoch without any \
     shape recognition. The shuffled-label check does not catch this, because the pipeline itself \
     does not leak: the data is too easy. The fix draws one centre per image anywhere the shape fits \
     and gives the dot as much ink as a ring."
    // END SOLUTION
}
