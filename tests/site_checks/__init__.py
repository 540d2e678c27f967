"""Checks of a built site, each a function that returns the problems it found.

Every problem is one line that names the page (its path in the built site) and
says what is wrong, so a failing test reads as a to-do list.  The tests run
each check on the real site, expecting no problems, and on the deliberately
broken site in ``broken/``, expecting exactly the problems planted there.

One module per job; each imports only from the modules listed above it.

built_site      the pages of a built site, parsed; the address it is published at
metadata        static: each page's head, the sitemap, the 404 page
nu_checker      static: the Nu HTML checker (Java)
links           static: links (linkchecker) and anchors
code_blocks     code blocks, as the copy button copies them
fragments       every Python fragment shown was executed
programs        every complete program shown runs, under each start method
server          the built site served on 127.0.0.1, as its hosts serve it
browser         headless Chromium through Selenium: load, theme, colours, screenshot
colours         WCAG contrast, and ink that vanishes into a background
rendered_pages  each page in a theme: console errors, axe, vanishing images
search          the search box finds every page that mentions a word
theme_toggle    the theme toggle reaches auto, light and dark
copy_buttons    real clicks on the copy buttons copy what code_blocks says
"""
