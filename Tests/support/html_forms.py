"""Reads Latchkey's pages as a browser without JavaScript would: the hidden fields of a form."""
import html
import re


def hidden_fields(page, action):
    """The hidden inputs of the first form on PAGE that posts to ACTION, as (name, value) pairs."""
    form = page[page.index(f'action="{action}"'):]
    form = form[: form.index("</form>")]
    return [(html.unescape(name), html.unescape(value)) for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)]
